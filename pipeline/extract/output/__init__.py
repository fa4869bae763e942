"""Extraction to DataFrames and to the CSV files `extract --out` writes."""
