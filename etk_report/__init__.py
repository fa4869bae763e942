"""The `etk-report` command line: a thin layer above `pipeline` (the library) and `flows` (Prefect)."""
