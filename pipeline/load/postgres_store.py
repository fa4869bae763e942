"""PostgreSQL loader for a shared server: the DuckDB warehouse's tables and per-year semantics.

Why its own module: psycopg is an optional dependency (`pip install .[postgres]`).
Each load is one transaction holding an advisory lock on the report year, so two
machines loading the same year one after the other leave exactly one copy, and
readers never see a half-replaced year. Rows go in with COPY (fast, typed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.load.derive import WarehouseTables
from pipeline.ingest.record import IngestionRecord
from pipeline.load.schema import DATA_TABLES, LOG_TABLE, TableSpec, conform, quote, schema_statements, warehouse_specs

_LOCK_NAMESPACE = 0x45544B  # 'ETK': advisory locks of this loader, apart from other apps' locks


def _connect(dsn: str):
    import psycopg  # optional dependency: imported only when PostgreSQL is used

    return psycopg.connect(dsn, connect_timeout=10, autocommit=True)


def _qualified(schema: str | None, table: str) -> str:
    """schema.table, or the bare name so that the DSN's search_path decides (`?options=-csearch_path%3Detk`)."""
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def ensure_schema(conn, schema: str | None = None) -> None:
    """Create the schema, missing tables and missing columns; serialised by an advisory lock.

    With `schema` None the tables go to the first schema of the connection's search_path.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_LOCK_NAMESPACE,))
        if schema:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        target = schema or conn.execute("SELECT current_schema()").fetchone()[0]
        if target is None:
            raise RuntimeError("no schema to create tables in: the search_path names no existing schema")

        def columns(table: str) -> set[str]:
            return {r[0] for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
                (target, table)).fetchall()}

        for sql in schema_statements("postgres", columns, lambda table: _qualified(schema, table)):
            conn.execute(sql)


def _rows(frame: pd.DataFrame, spec: TableSpec) -> list[tuple[Any, ...]]:
    """Python scalars with None for nulls (psycopg adapts these, not numpy/pandas NA)."""
    columns = []
    for col in spec.columns:
        values = frame[col.name].tolist()
        if col.type == "timestamp":
            values = [None if pd.isna(v) else pd.Timestamp(v).tz_localize("UTC").to_pydatetime() for v in values]
        else:
            values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values]
        columns.append(values)
    return list(zip(*columns))


def _copy(conn, schema: str | None, spec: TableSpec, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    frame = conform(frame, spec)
    cols = ", ".join(quote(c) for c in spec.column_names)
    with conn.cursor() as cur:
        with cur.copy(f"COPY {_qualified(schema, spec.name)} ({cols}) FROM STDIN") as copy:
            for row in _rows(frame, spec):
                copy.write_row(row)


def load_year(dsn: str, tables: WarehouseTables, record: IngestionRecord, schema: str | None = None) -> dict[str, int]:
    """Replace one report year in every data table and log it, in one transaction."""
    specs = warehouse_specs()
    with _connect(dsn) as conn:
        ensure_schema(conn, schema)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, tables.report_year))
            for name in DATA_TABLES:
                conn.execute(f"DELETE FROM {_qualified(schema, name)} WHERE report_year = %s", (tables.report_year,))
                _copy(conn, schema, specs[name], tables.frames[name])
            _copy(conn, schema, specs[LOG_TABLE], pd.DataFrame([record.as_row()]))
    return tables.row_counts()


def record_ingestion(dsn: str, record: IngestionRecord, schema: str | None = None) -> None:
    """Log an attempt that loaded nothing; data tables untouched."""
    with _connect(dsn) as conn:
        ensure_schema(conn, schema)
        with conn.transaction():
            _copy(conn, schema, warehouse_specs()[LOG_TABLE], pd.DataFrame([record.as_row()]))


def read_table(dsn: str, table: str, schema: str | None = None, report_year: int | None = None) -> pd.DataFrame:
    spec = warehouse_specs()[table]
    sql = f"SELECT * FROM {_qualified(schema, table)}"
    params: tuple = ()
    if report_year is not None:
        sql, params = sql + " WHERE report_year = %s", (report_year,)
    with _connect(dsn) as conn:
        cur = conn.execute(sql + " ORDER BY " + ", ".join(quote(k) for k in spec.key), params)
        names = [d.name for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=names)
