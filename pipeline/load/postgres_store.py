"""PostgreSQL loader for a shared server: the DuckDB warehouse's tables and per-year semantics.

Why its own module: psycopg is an optional dependency (`pip install .[postgres]`).
Each load is one transaction holding an advisory lock on the report year, so two
machines loading the same year one after the other leave exactly one copy, and
readers never see a half-replaced year. Rows go in with COPY (fast, typed).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.load.report import LoadReport, LogRow
from pipeline.model.derive import WarehouseTables
from pipeline.model.organization import UNKNOWN
from pipeline.model.schema import (
    DATA_TABLES,
    LOG_TABLE,
    TableSpec,
    conform,
    legacy_tables,
    migrate_legacy_table,
    migration_note,
    quote,
    restatement_line,
    restatement_query,
    schema_statements,
    view_statements,
    warehouse_specs,
)
from pipeline.model.units import propose_aliases, unit_aliases, unit_id

_LOCK_NAMESPACE = 0x45544B  # 'ETK': advisory locks of this loader, apart from other apps' locks


def _connect(dsn: str):
    import psycopg  # optional dependency: imported only when PostgreSQL is used

    return psycopg.connect(dsn, connect_timeout=10, autocommit=True)


def _qualified(schema: str | None, table: str) -> str:
    """schema.table, or the bare name so that the DSN's search_path decides (`?options=-csearch_path%3Detk`)."""
    return f"{quote(schema)}.{quote(table)}" if schema else quote(table)


def ensure_schema(conn, schema: str | None = None) -> list[str]:
    """Create the schema, missing tables, columns and views, and migrate tables made before
    organisations in place (rows kept as organisation 'unknown'); serialised by an advisory lock.

    With `schema` None the tables go to the first schema of the connection's search_path.
    Returns the one-line notes of what it migrated.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (_LOCK_NAMESPACE,))
        if schema:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        target = schema or conn.execute("SELECT current_schema()").fetchone()[0]
        if target is None:
            raise RuntimeError("no schema to create tables in: the search_path names no existing schema")

        def column_types(table: str) -> dict[str, str]:
            return {r[0]: r[1] for r in conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s ORDER BY ordinal_position", (target, table)).fetchall()}

        def columns(table: str) -> set[str]:
            return set(column_types(table))

        def qualify(table: str) -> str:
            return _qualified(schema, table)

        def run(sql: str, params: tuple) -> list:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

        notes, aliases = [], unit_aliases()
        legacy = legacy_tables(columns)
        if legacy:
            rows = {name: migrate_legacy_table("postgres", name, column_types(name), run, qualify, "%s", UNKNOWN,
                                               lambda unit: unit_id(UNKNOWN, unit, aliases)) for name in legacy}
            if columns(LOG_TABLE) and "organization_id" not in columns(LOG_TABLE):
                conn.execute(f"ALTER TABLE {qualify(LOG_TABLE)} ADD COLUMN organization_id TEXT")
                conn.execute(f"UPDATE {qualify(LOG_TABLE)} SET organization_id = %s", (UNKNOWN,))
            notes.append(migration_note(f"PostgreSQL schema {target}", rows, UNKNOWN))
        for sql in schema_statements("postgres", columns, qualify):
            conn.execute(sql)
        for sql in view_statements(qualify):
            conn.execute(sql)
    return notes


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


def load_year(dsn: str, tables: WarehouseTables, record: LogRow, schema: str | None = None) -> LoadReport:
    """Replace one report (organisation and year) in every data table and log it, in one transaction."""
    specs = warehouse_specs()
    key = (tables.organization_id, tables.report_year)
    with _connect(dsn) as conn:
        report = LoadReport(tables.row_counts(), notes=ensure_schema(conn, schema))
        with conn.transaction():
            # one lock per report year (any association): a lock key must be a number
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_NAMESPACE, tables.report_year))
            previous = _frame(conn.execute(
                f"SELECT report_year, unit, unit_id, label FROM {_qualified(schema, 'figures')} WHERE "
                f"organization_id = %s AND report_year = (SELECT max(report_year) FROM "
                f"{_qualified(schema, 'figures')} WHERE organization_id = %s AND report_year < %s)",
                (tables.organization_id, tables.organization_id, tables.report_year)))
            report.alias_proposals = [p.line() for p in propose_aliases(
                tables.organization_id, tables.report_year, tables.frames["figures"], previous)]
            for name in DATA_TABLES:
                conn.execute(f"DELETE FROM {_qualified(schema, name)} WHERE organization_id = %s AND report_year = %s",
                             key)
                _copy(conn, schema, specs[name], tables.frames[name])
            report.restatements = [restatement_line(tables.organization_id, row) for row in conn.execute(
                restatement_query(lambda t: _qualified(schema, t), "%s"),
                (tables.organization_id, tables.report_year, tables.report_year)).fetchall()]
            _copy(conn, schema, specs[LOG_TABLE], pd.DataFrame([record.as_row()]))
    return report


def _frame(cur) -> pd.DataFrame:
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def record_ingestion(dsn: str, record: LogRow, schema: str | None = None) -> list[str]:
    """Log an attempt that loaded nothing; data tables untouched (a migration aside)."""
    with _connect(dsn) as conn:
        notes = ensure_schema(conn, schema)
        with conn.transaction():
            _copy(conn, schema, warehouse_specs()[LOG_TABLE], pd.DataFrame([record.as_row()]))
    return notes


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
