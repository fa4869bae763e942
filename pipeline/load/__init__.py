"""Loading: the warehouse tables of one report into where they go.

Entry points: `duckdb_store.load_year`, `postgres_store.load_year` or `export.export_year`, each given
the `pipeline.model.derive.build_tables(extraction)` result; `pipeline.model.schema` turns the data
files into the table specs and DDL every target shares.
"""
