"""Prefect flows that ingest annual reports: extract → validate → load. Orchestration only.

Every step's logic lives in `pipeline/` (what an attempt ends as, and which
ingestions row it writes where, in `pipeline.ingest.outcome`, which is handed these
tasks as its steps); this module decides order, retries, caching, concurrency
and what shows up in the Prefect UI (artifacts).

- `ingest_report(pdf)`: one report, in-process.
- `ingest_folder(folder)`: every PDF of a folder. Extraction runs in parallel
  worker processes (a ProcessPoolTaskRunner: extraction is CPU-bound and PDFium,
  used to scan pages, is not thread-safe); each report is validated in the flow's
  process as soon as it arrives (Great Expectations is imported once, not per
  worker); loading then runs one report at a time, in report-year order, because
  a DuckDB file has a single writer.
- `run_ingest(pdf, ...)`: `ingest_report` for the CLI, with Prefect's console
  logging silenced; never raises for bad input, returns an `IngestOutcome`.

Extraction is cached on the PDF's SHA-256 plus a fingerprint of the pipeline
code (`pipeline.ingest.record.extractor_fingerprint`), as verified JSON entries in
`<warehouse dir>/cache/` (or $ETK_CACHE_DIR; `pipeline.ingest.cache`, never pickles),
so re-ingesting an unchanged file skips extraction across runs and processes.
"""


# No `from __future__ import annotations` here: Prefect builds a pydantic model of each
# flow's parameters from its annotations, and string annotations failed to resolve
# (`Path` not defined) when a deployment loaded the flow from its file.
import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner

from pipeline.ingest.cache import read_entry, write_entry
from pipeline.ingest.shrink import held_contents
from pipeline.ingest.record import (
    ERROR,
    LOADED,
    IngestionRecord,
    IngestOutcome,
    extractor_fingerprint,
    file_sha256,
    list_reports,
    resolve_cache_dir,
    resolve_postgres_dsn,
    resolve_warehouse,
    summarize_validation,
)
from pipeline.ingest.outcome import (
    LoadSteps,
    Prepared,
    PrepareSteps,
    Targets,
    artifact_key,
    failed_before_prepared,
    finish,
    in_load_order,
    json_rows,
    log_line,
    prepare,
    validated,
    validation_markdown,
)

FOLDER_WORKERS = 2  # the machines this runs on have 2 cores


# --------------------------------------------------------------------------- tasks

def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only what a second try can fix: a locked DuckDB file, a dropped connection."""
    try:
        exc = state.result(raise_on_failure=False)
    except Exception:  # noqa: BLE001 - unreadable state: be conservative, retry
        return True
    import duckdb

    transient: tuple[type[BaseException], ...] = (duckdb.IOException, duckdb.TransactionException,
                                                   ConnectionError, TimeoutError)
    try:
        import psycopg

        transient += (psycopg.OperationalError,)
    except ImportError:
        pass
    return isinstance(exc, transient)


@task(name="hash-file", cache_policy=NO_CACHE)
def hash_file(pdf_path: str) -> str:
    return file_sha256(pdf_path)


@task(name="extract", cache_policy=NO_CACHE)
def extract(pdf_path: str, sha256: str) -> Any:
    """`pipeline.extract.extract_report`; `sha256` names the run in the UI (the cache is `_extract_step`'s)."""
    from pipeline.extract.report import extract_report

    return extract_report(pdf_path)


@task(name="validate", cache_policy=NO_CACHE)
def validate(extraction: Any, data_docs_dir: str | None = None) -> tuple[dict[str, Any], str]:
    """(summary, text) of `pipeline.validate.validate_extraction`: plain data that pickles."""
    from pipeline.validate.run import validate_extraction

    report = validate_extraction(extraction, data_docs_dir=Path(data_docs_dir) if data_docs_dir else None)
    return summarize_validation(report), report.render_text()


@task(name="build-tables", cache_policy=NO_CACHE)
def build_tables(extraction: Any) -> Any:
    from pipeline.load.derive import build_tables as build

    return build(extraction)


@task(name="load-duckdb", retries=3, retry_delay_seconds=[1, 3, 10], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def load_duckdb(warehouse: str, tables: Any, record: IngestionRecord) -> dict[str, int]:
    from pipeline.load import duckdb_store as duck

    return duck.load_year(warehouse, tables, record)


@task(name="load-postgres", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def load_postgres(dsn: str, tables: Any, record: IngestionRecord) -> dict[str, int]:
    from pipeline.load import postgres_store as pgload

    return pgload.load_year(dsn, tables, record)


@task(name="log-ingestion-duckdb", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def log_ingestion_duckdb(warehouse: str, record: IngestionRecord) -> None:
    """The ingestions row of an attempt that loaded nothing."""
    from pipeline.load import duckdb_store as duck

    duck.record_ingestion(warehouse, record)


@task(name="log-ingestion-postgres", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def log_ingestion_postgres(dsn: str, record: IngestionRecord) -> None:
    from pipeline.load import postgres_store as pgload

    pgload.record_ingestion(dsn, record)


@task(name="export", cache_policy=NO_CACHE)
def export(tables: Any, out_dir: str, fmt: str) -> str:
    from pipeline.load.export import export_year

    export_year(tables, out_dir, fmt)
    return str(out_dir)


# --------------------------------------------------------------------------- steps

def _extract_step(cache_dir: str) -> Callable[[str, str], tuple[Any, ...]]:
    """The verified JSON cache in `cache_dir`, else the `extract` task (whose result is then cached).

    Returns (extraction, answered from cache[, [warning]]): an entry that was there but
    failed verification is named in one warning line and overwritten.
    """
    def run(pdf_path: str, sha256: str) -> tuple[Any, ...]:
        fingerprint = extractor_fingerprint()
        cached = read_entry(cache_dir, sha256, fingerprint)
        if cached.extraction is not None:
            return cached.extraction, True
        extraction = extract(pdf_path, sha256)
        write_entry(cache_dir, sha256, fingerprint, extraction)
        return (extraction, False, [cached.problem]) if cached.problem else (extraction, False)

    return run


def _prepare_steps(cache_dir: str) -> PrepareSteps:
    return PrepareSteps(hash_file=hash_file, extract=_extract_step(cache_dir), build_tables=build_tables)


@task(name="prepare-report", cache_policy=NO_CACHE)
def prepare_report(pdf_path: str, cache_dir: str) -> Prepared:
    """`pipeline.ingest.outcome.prepare` as one task, so a folder's reports are extracted in parallel processes."""
    return prepare(pdf_path, _prepare_steps(cache_dir))


def _validate(p: Prepared, data_docs_dir: str | None) -> Prepared:
    """The `validate` task on a prepared report, in the flow's process (GX is imported once)."""
    return validated(p, lambda extraction: validate(extraction, data_docs_dir))


def _artifacts(p: Prepared, status: str) -> None:
    """The validation report, and for a loaded report its unit summary, in the Prefect UI."""
    create_markdown_artifact(markdown=validation_markdown(p, status),
                             key=artifact_key("validation", p.report_year, p.file_name),
                             description=f"Validation report of {p.file_name}")
    if status == LOADED:
        create_table_artifact(table=json_rows(p.tables.frames["unit_summary"]),
                              key=artifact_key("unit-summary", p.report_year, p.file_name),
                              description=f"Unit summary {p.report_year} ({p.file_name})")


LOAD_STEPS = LoadSteps(load_duckdb=load_duckdb, load_postgres=load_postgres, log_duckdb=log_ingestion_duckdb,
                       log_postgres=log_ingestion_postgres, export=export, artifacts=_artifacts,
                       held_year=held_contents)


def _finish(p: Prepared, targets: Targets) -> IngestOutcome:
    """`pipeline.ingest.outcome.finish` with the tasks, in the flow's process; one line in the run log."""
    outcome = finish(p, targets, LOAD_STEPS)
    logger = get_run_logger()
    (logger.info if outcome.status == LOADED else logger.warning)(log_line(outcome))
    return outcome


def _targets(warehouse: Path, postgres_dsn: str | None, parquet_dir: str | Path | None,
             csv_dir: str | Path | None, replace: bool = False) -> Targets:
    return Targets(warehouse=warehouse, dsn=resolve_postgres_dsn(postgres_dsn),
                   parquet_dir=str(parquet_dir) if parquet_dir else None, csv_dir=str(csv_dir) if csv_dir else None,
                   replace=replace)


# --------------------------------------------------------------------------- flows

@flow(name="ingest-report")
def ingest_report(pdf_path: str | Path, warehouse: str | Path | None = None,
                  parquet_dir: str | Path | None = None, postgres_dsn: str | None = None,
                  csv_dir: str | Path | None = None, cache_dir: str | Path | None = None,
                  data_docs_dir: str | Path | None = None, replace: bool = False) -> IngestOutcome:
    """Extract, validate and load one report; returns its `IngestOutcome` (never raises for bad input).

    `replace=True` loads even when the report holds fewer units or figures than the warehouse has
    for its year (the shrink guard, `pipeline.ingest.shrink`).
    """
    wh = resolve_warehouse(warehouse)
    cache = str(resolve_cache_dir(cache_dir, wh))
    prepared = _validate(prepare(str(pdf_path), _prepare_steps(cache)), str(data_docs_dir) if data_docs_dir else None)
    return _finish(prepared, _targets(wh, postgres_dsn, parquet_dir, csv_dir, replace))


@flow(name="ingest-folder", task_runner=ProcessPoolTaskRunner(max_workers=FOLDER_WORKERS))
def ingest_folder(folder: str | Path, warehouse: str | Path | None = None,
                  parquet_dir: str | Path | None = None, postgres_dsn: str | None = None,
                  csv_dir: str | Path | None = None, cache_dir: str | Path | None = None,
                  data_docs_dir: str | Path | None = None, pattern: str = "*.pdf",
                  replace: bool = False) -> list[IngestOutcome]:
    """Ingest every PDF in `folder`: prepared in parallel, loaded one by one in report-year order."""
    wh = resolve_warehouse(warehouse)
    cache = str(resolve_cache_dir(cache_dir, wh))
    docs = str(data_docs_dir) if data_docs_dir else None
    futures = {prepare_report.submit(str(pdf), cache): pdf for pdf in list_reports(folder, pattern)}
    prepared = []
    for future in as_completed(list(futures)):  # validate each report while others still extract
        try:
            p = future.result()
        except Exception as exc:  # noqa: BLE001 - the worker itself failed; an error outcome like any other
            p = failed_before_prepared(futures[future], exc)
        prepared.append(_validate(p, docs))
    targets = _targets(wh, postgres_dsn, parquet_dir, csv_dir, replace)
    return [_finish(p, targets) for p in in_load_order(prepared)]


# --------------------------------------------------------------------------- CLI entry

_QUIET_LOGGERS = ("prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.server",
                  "prefect.client", "prefect.events", "uvicorn", "httpx")


class _NoTemporaryServerNotice(logging.Filter):
    """Drops 'Starting/Stopping temporary server' notices; the stop comes at interpreter exit,
    after `quiet_prefect` has ended, so a level change alone cannot hide it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "temporary server" not in record.getMessage()


@contextlib.contextmanager
def quiet_prefect(level: int = logging.CRITICAL + 1) -> Iterator[None]:
    """Silence Prefect's console logging for the duration (the run is still recorded in the API).

    The CLI prints the outcome's summary instead; a failure is in the outcome, not a traceback.
    """
    saved = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    root = logging.getLogger("prefect")
    if not any(isinstance(f, _NoTemporaryServerNotice) for f in root.filters):
        root.addFilter(_NoTemporaryServerNotice())
    try:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(level)
        yield
    finally:
        for name, lvl in saved.items():
            logging.getLogger(name).setLevel(lvl)


def run_ingest(pdf: str | Path, warehouse: str | Path | None = None, parquet_dir: str | Path | None = None,
               postgres_dsn: str | None = None, *, csv_dir: str | Path | None = None,
               cache_dir: str | Path | None = None, data_docs_dir: str | Path | None = None,
               quiet: bool = True, replace: bool = False) -> IngestOutcome:
    """Run the `ingest_report` flow for the CLI and return its `IngestOutcome`.

    Exit-code mapping for the CLI: `outcome.exit_code` (loaded 0, failed_validation 1, error 2).
    With no Prefect server configured (PREFECT_API_URL unset) Prefect starts a temporary
    local one for the run, which costs several seconds; point PREFECT_API_URL at a running
    `prefect server start` to avoid that and to see the run in the UI.
    """
    # No telemetry from the temporary server: the machines here have no internet access.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING")
    context = quiet_prefect() if quiet else contextlib.nullcontext()
    with context:
        try:
            from flows.server_watch import guard_temporary_server

            guard_temporary_server()  # a temporary Prefect server is stopped even if this process is killed
            return ingest_report(pdf, warehouse=warehouse, parquet_dir=parquet_dir, postgres_dsn=postgres_dsn,
                                 csv_dir=csv_dir, cache_dir=cache_dir, data_docs_dir=data_docs_dir,
                                 replace=replace)
        except Exception as exc:  # noqa: BLE001 - e.g. the Prefect API is unreachable
            return IngestOutcome(status=ERROR, source=str(pdf), file_name=Path(pdf).name,
                                 message=f"{type(exc).__name__}: {exc}")
