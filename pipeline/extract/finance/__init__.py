"""The finance summary (income, expenses, result)."""
