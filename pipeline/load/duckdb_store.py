"""DuckDB warehouse: one file, tables from `pipeline.load.schema`, atomic reload per report year.

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
from pipeline.load.derive import WarehouseTables
from pipeline.ingest.record import IngestionRecord
from pipeline.load.schema import DATA_TABLES, LOG_TABLE, TableSpec, conform, quote, schema_statements, warehouse_specs


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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and add columns the schema files gained since (never drops)."""
    def columns(table: str) -> set[str]:
        return {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema()", [table]).fetchall()}

    for sql in schema_statements("duckdb", columns):
        con.execute(sql)


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


def load_year(path: str | Path, tables: WarehouseTables, record: IngestionRecord) -> dict[str, int]:
    """Replace report year `tables.report_year` in every data table and log it, in one transaction.

    Returns the row counts written. On any error the transaction rolls back and
    the file holds exactly what it held before.
    """
    specs = warehouse_specs()
    with connect(path) as con:
        ensure_schema(con)
        con.execute("BEGIN TRANSACTION")
        try:
            for name in DATA_TABLES:
                con.execute(f"DELETE FROM {quote(name)} WHERE report_year = ?", [tables.report_year])
                _insert(con, specs[name], tables.frames[name])
            _insert(con, specs[LOG_TABLE], pd.DataFrame([record.as_row()]))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return tables.row_counts()


def record_ingestion(path: str | Path, record: IngestionRecord) -> None:
    """Log an attempt that loaded nothing (failed validation, error); data tables untouched."""
    with connect(path) as con:
        ensure_schema(con)
        _insert(con, warehouse_specs()[LOG_TABLE], pd.DataFrame([record.as_row()]))


def read_table(path: str | Path, table: str, report_year: int | None = None) -> pd.DataFrame:
    """A whole table (or one year of it) as a DataFrame; for exports, tests and notebooks."""
    if table not in warehouse_specs():
        raise KeyError(f"unknown table {table!r}")
    with connect(path, read_only=True) as con:
        sql = f"SELECT * FROM {quote(table)}"
        if report_year is not None:
            return con.execute(sql + " WHERE report_year = ? ORDER BY ALL", [report_year]).df()
        return con.execute(sql + " ORDER BY ALL").df()


def row_counts(path: str | Path) -> dict[str, dict[int, int]]:
    """{table: {report_year: rows}} for every data table: what is loaded, at a glance."""
    out: dict[str, dict[int, int]] = {}
    with connect(path, read_only=True) as con:
        for name in DATA_TABLES:
            rows = con.execute(f"SELECT report_year, count(*) FROM {quote(name)} GROUP BY 1 ORDER BY 1").fetchall()
            out[name] = {int(y): int(n) for y, n in rows}
    return out
