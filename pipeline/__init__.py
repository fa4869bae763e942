"""etk-report: annual report PDFs of Finnish ensi- ja turvakoti associations to validated tables.

One package per stage, each a set of small pure steps:

- `pipeline.extract`: PDF → figures, finance summary, municipalities (`extract_report`).
- `pipeline.validate`: Great Expectations suites over those tables (`validate_extraction`).
- `pipeline.load`: warehouse tables, DuckDB / PostgreSQL loads, Parquet / CSV exports.
- `pipeline.ingest`: what one ingestion attempt is and what it ends as (no Prefect here).
- `pipeline.data`: vocabularies, contracts and metric rules: data, not code.

Nothing here imports `flows` (Prefect wiring) or `etk_report` (the command line).
"""

__version__ = "0.1.0"
