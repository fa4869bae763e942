"""Loading: warehouse tables from an extraction and where they go.

Entry points: `derive.build_tables(extraction) -> WarehouseTables`, then
`duckdb_store.load_year`, `postgres_store.load_year` or `export.export_year`. `schema` turns
the data files into table specs and DDL shared by every target.
"""
