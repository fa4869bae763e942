"""DuckDB warehouse: one file, tables from `pipeline.model.schema`, atomic reload per report year.

Why per year in one transaction: a year's tables must never be half old and
half new. Either every data table holds the new report's rows for that year
(and the ingestion row says 'loaded'), or nothing changed. Other years are not
touched. DuckDB allows one writing process per file, so callers serialise loads;
a load that finds the file locked raises `duckdb.IOException`, which the flow retries.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.errors import EnvironmentProblem
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


# No network: a file that is not a DuckDB database (SQLite, say) made DuckDB try to download
# the extension that reads it, for most of a minute. Extensions are never loaded or installed.
NO_NETWORK = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC, DUCKDB_MAGIC_OFFSET = b"DUCK", 8


def check_warehouse_file(path: str | Path) -> None:
    """Raise ReportError (exit 2) at once if `path` exists but is not a DuckDB database file."""
    from pipeline.errors import ReportError

    path = Path(path)
    if path.is_dir():
        raise ReportError(f"{path}: the warehouse is a directory, not a DuckDB file")
    if not path.is_file() or path.stat().st_size == 0:
        return  # created on first load
    with path.open("rb") as fh:
        head = fh.read(DUCKDB_MAGIC_OFFSET + len(DUCKDB_MAGIC))
    if head[DUCKDB_MAGIC_OFFSET:] != DUCKDB_MAGIC:
        raise ReportError(f"{path}: not a DuckDB database file; give --warehouse a new or existing .duckdb file")


@contextlib.contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection that is always closed, so the file lock is released for the next writer."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    check_warehouse_file(path)
    con = duckdb.connect(str(path), read_only=read_only, config=NO_NETWORK)
    try:
        yield con
    finally:
        con.close()


LOCK_WAIT_SECONDS = 3.0  # a lock held longer is someone's open connection, not a load finishing


def lock_holder(message: str) -> str | None:
    """'PID 123 (/usr/bin/python3.11)' from DuckDB's lock message, when it names the holder."""
    found = re.search(r"held in (.+?) \(PID (\d+)\)", message)
    return f"PID {found.group(2)} ({found.group(1)})" if found else None


def locked_warehouse(path: str | Path, exc: BaseException) -> EnvironmentProblem | None:
    """The one-line environment problem for a DuckDB lock error, else None."""
    text = str(exc)
    if "lock" not in text.casefold():
        return None
    holder = lock_holder(text)
    by = f" by {holder}" if holder else " by another process"
    return EnvironmentProblem(f"warehouse {Path(path).resolve()} is locked{by}; "
                              f"close that connection (read-only ones too) and run again")


def check_writable(path: str | Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
    """Fail fast, before any work, when another process holds the warehouse file.

    Why up front: a load that meets the lock only after extraction and validation
    would retry for many seconds and then fail. Retries for `wait_seconds` (a
    load finishing elsewhere releases it), then raises EnvironmentProblem.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with connect(path):
                return
        except duckdb.IOException as exc:
            problem = locked_warehouse(path, exc)
            if problem is None:
                raise EnvironmentProblem(f"warehouse {Path(path).resolve()} cannot be opened: "
                                         f"{str(exc).splitlines()[0]}") from None
            if time.monotonic() >= deadline:
                raise problem from None
            time.sleep(0.25)


def ensure_schema(con: duckdb.DuckDBPyConnection, where: str = "") -> list[str]:
    """Create missing tables and views, add columns the schema files gained since (never drops),
    and migrate tables made before organisations in place; returns the one-line notes of what it migrated."""
    def columns(table: str) -> set[str]:
        return set(_column_types(con, table))

    notes = _migrate_legacy(con, columns, where)
    for sql in schema_statements("duckdb", columns):
        con.execute(sql)
    for sql in view_statements():
        con.execute(sql)
    return notes


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
        "AND table_schema = current_schema() ORDER BY ordinal_position", [table]).fetchall()}


def _migrate_legacy(con: duckdb.DuckDBPyConnection, columns, where: str) -> list[str]:
    """Tables keyed by report year alone become keyed by (organization_id, report_year), rows kept as 'unknown'."""
    legacy = legacy_tables(columns)
    if not legacy:
        return []
    aliases = unit_aliases()

    def run(sql: str, params: tuple) -> list:
        return con.execute(sql, list(params)).fetchall()

    con.execute("BEGIN TRANSACTION")
    try:
        rows = {name: migrate_legacy_table("duckdb", name, _column_types(con, name), run, organization_id=UNKNOWN,
                                           unit_id=lambda unit: unit_id(UNKNOWN, unit, aliases))
                for name in legacy}
        if columns(LOG_TABLE) and "organization_id" not in columns(LOG_TABLE):
            con.execute(f"ALTER TABLE {quote(LOG_TABLE)} ADD COLUMN organization_id VARCHAR")
            con.execute(f"UPDATE {quote(LOG_TABLE)} SET organization_id = ?", [UNKNOWN])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [migration_note(where, rows, UNKNOWN)]


def _insert(con: duckdb.DuckDBPyConnection, spec: TableSpec, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    frame = conform(frame, spec)
    cols = ", ".join(quote(c) for c in spec.column_names)
    con.register("etk_src", frame)
    try:
        con.execute(f"INSERT INTO {quote(spec.name)} ({cols}) SELECT {cols} FROM etk_src")
    finally:
        with contextlib.suppress(duckdb.Error):  # fails in an aborted transaction; must not hide why
            con.unregister("etk_src")


def _same_report_as_legacy(con: duckdb.DuckDBPyConnection, tables: WarehouseTables, sha256: str | None) -> bool:
    """The 'unknown' rows of this year came from this very file (same SHA-256): re-ingesting moves them."""
    if not sha256 or tables.organization_id == UNKNOWN:
        return False
    return bool(con.execute(
        f"SELECT count(*) FROM {quote(LOG_TABLE)} WHERE organization_id = ? AND report_year = ? AND sha256 = ? "
        "AND status = 'loaded'", [UNKNOWN, tables.report_year, sha256]).fetchone()[0])


def previous_units(con: duckdb.DuckDBPyConnection, organization_id: str, report_year: int) -> pd.DataFrame:
    """(report_year, unit, unit_id, label) of the organisation's latest year before `report_year`."""
    return con.execute(
        "SELECT report_year, unit, unit_id, label FROM figures WHERE organization_id = ? AND report_year = "
        "(SELECT max(report_year) FROM figures WHERE organization_id = ? AND report_year < ?)",
        [organization_id, organization_id, report_year]).df()


def load_year(path: str | Path, tables: WarehouseTables, record: LogRow) -> LoadReport:
    """Replace one report (organisation and year) in every data table and log it, in one transaction.

    Returns the row counts written, with notes (a migration), restatements that differ and
    unit aliases to propose. On any error the transaction rolls back and the file holds
    exactly what it held before (a migration, done first, stays: it loses nothing).
    """
    specs = warehouse_specs()
    key = [tables.organization_id, tables.report_year]
    with connect(path) as con:
        report = LoadReport(tables.row_counts(), notes=ensure_schema(con, str(Path(path).resolve())))
        report.alias_proposals = [p.line() for p in propose_aliases(
            tables.organization_id, tables.report_year, tables.frames["figures"],
            previous_units(con, tables.organization_id, tables.report_year))]
        con.execute("BEGIN TRANSACTION")
        try:
            legacy_copy = _same_report_as_legacy(con, tables, getattr(record, "sha256", None))
            for name in DATA_TABLES:
                con.execute(f"DELETE FROM {quote(name)} WHERE organization_id = ? AND report_year = ?", key)
                if legacy_copy:
                    con.execute(f"DELETE FROM {quote(name)} WHERE organization_id = ? AND report_year = ?",
                                [UNKNOWN, tables.report_year])
                _insert(con, specs[name], tables.frames[name])
            report.restatements = [restatement_line(tables.organization_id, row) for row in con.execute(
                restatement_query(quote, "?"), [tables.organization_id, tables.report_year, tables.report_year]
            ).fetchall()]
            _insert(con, specs[LOG_TABLE], pd.DataFrame([record.as_row()]))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return report


def record_ingestion(path: str | Path, record: LogRow) -> list[str]:
    """Log an attempt that loaded nothing (failed validation, error); data tables untouched (a migration aside)."""
    with connect(path) as con:
        notes = ensure_schema(con, str(Path(path).resolve()))
        _insert(con, warehouse_specs()[LOG_TABLE], pd.DataFrame([record.as_row()]))
    return notes


VIEWS = ("metric_trends", "units", "organizations", "restatements")


def read_table(path: str | Path, table: str, report_year: int | None = None,
               organization_id: str | None = None) -> pd.DataFrame:
    """A whole table or view (or one year / one organisation of it) as a DataFrame; for exports, tests, notebooks."""
    if table not in warehouse_specs() and table not in VIEWS:
        raise KeyError(f"unknown table {table!r}")
    where, params = [], []
    for column, value in (("report_year", report_year), ("organization_id", organization_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    with connect(path, read_only=True) as con:
        sql = f"SELECT * FROM {quote(table)}" + (" WHERE " + " AND ".join(where) if where else "")
        return con.execute(sql + " ORDER BY ALL", params).df()


def row_counts(path: str | Path) -> dict[str, dict[tuple[str, int], int]]:
    """{table: {(organization_id, report_year): rows}} for every data table: what is loaded, at a glance."""
    out: dict[str, dict[tuple[str, int], int]] = {}
    with connect(path, read_only=True) as con:
        for name in DATA_TABLES:
            rows = con.execute(f"SELECT organization_id, report_year, count(*) FROM {quote(name)} "
                               "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
            out[name] = {(str(o), int(y)): int(n) for o, y, n in rows}
    return out
