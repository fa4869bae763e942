"""Prefect flows that ingest annual reports: extract → validate → load. Orchestration only.

Every step's logic lives in `pipeline/`; this module decides order, retries,
caching, concurrency and what shows up in the Prefect UI (artifacts).

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
code (`pipeline.ingestion.extractor_fingerprint`), with results persisted in
`<warehouse dir>/cache/` (or $ETK_CACHE_DIR), so re-ingesting an unchanged file
skips extraction across runs and processes.
"""


# No `from __future__ import annotations` here: Prefect builds a pydantic model of each
# flow's parameters from its annotations, and string annotations failed to resolve
# (`Path` not defined) when a deployment loaded the flow from its file.
import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner

from pipeline.errors import ReportError
from pipeline.ingestion import (
    ERROR,
    FAILED_VALIDATION,
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
    utcnow,
)

FOLDER_WORKERS = 2  # the machines this runs on have 2 cores


# --------------------------------------------------------------------------- tasks

def _extract_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    """Same bytes + same pipeline code = same extraction; the path does not matter."""
    return f"etk-extract-{parameters['sha256']}-{extractor_fingerprint()}"


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


@task(name="extract", cache_key_fn=_extract_cache_key, persist_result=True, result_serializer="pickle")
def extract(pdf_path: str, sha256: str) -> Any:
    """`pipeline.extract.extract_report`; `sha256` is there for the cache key."""
    from pipeline.extract import extract_report

    return extract_report(pdf_path)


@task(name="validate", cache_policy=NO_CACHE)
def validate(extraction: Any, data_docs_dir: str | None = None) -> tuple[dict[str, Any], str]:
    """(summary, text) of `pipeline.validate.validate_extraction`: plain data that pickles."""
    from pipeline.validate import validate_extraction

    report = validate_extraction(extraction, data_docs_dir=Path(data_docs_dir) if data_docs_dir else None)
    return summarize_validation(report), report.render_text()


@task(name="build-tables", cache_policy=NO_CACHE)
def build_tables(extraction: Any) -> Any:
    from pipeline.derive import build_tables as build

    return build(extraction)


@task(name="load-duckdb", retries=3, retry_delay_seconds=[1, 3, 10], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def load_duckdb(warehouse: str, tables: Any, record: IngestionRecord) -> dict[str, int]:
    from pipeline import warehouse as duck

    return duck.load_year(warehouse, tables, record)


@task(name="load-postgres", retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def load_postgres(dsn: str, tables: Any, record: IngestionRecord) -> dict[str, int]:
    from pipeline import pgload

    return pgload.load_year(dsn, tables, record)


@task(name="log-ingestion-duckdb", retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def log_ingestion_duckdb(warehouse: str, record: IngestionRecord) -> None:
    """The ingestions row of an attempt that loaded nothing."""
    from pipeline import warehouse as duck

    duck.record_ingestion(warehouse, record)


@task(name="log-ingestion-postgres", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def log_ingestion_postgres(dsn: str, record: IngestionRecord) -> None:
    from pipeline import pgload

    pgload.record_ingestion(dsn, record)


@task(name="export", cache_policy=NO_CACHE)
def export(tables: Any, out_dir: str, fmt: str) -> str:
    from pipeline.export import export_year

    export_year(tables, out_dir, fmt)
    return str(out_dir)


# --------------------------------------------------------------------------- steps

@dataclass
class Prepared:
    """A report on its way: extracted and derived (`_prepare`), then validated (`_validate`).

    Crosses process boundaries in `ingest_folder`, so it holds only picklable data.
    """

    pdf: str
    file_name: str
    started_at: datetime
    sha256: str | None = None
    report_year: int | None = None
    extraction: Any = None
    tables: Any = None
    validation: dict[str, Any] | None = None
    validation_text: str | None = None
    cache_hit: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def _prepare(pdf_path: str, cache_dir: str) -> Prepared:
    """hash → extract (cached) → derive tables; errors become `Prepared.error`.

    No validation here: it imports Great Expectations (seconds per process), so it
    runs once in the flow's own process, see `_validate`.
    """
    prepared = Prepared(pdf=str(pdf_path), file_name=Path(pdf_path).name, started_at=utcnow())
    try:
        prepared.sha256 = hash_file(str(pdf_path))
        state = extract.with_options(result_storage=Path(cache_dir))(str(pdf_path), prepared.sha256,
                                                                   return_state=True)
        prepared.extraction = state.result()
        prepared.cache_hit = state.name == "Cached"
        prepared.extraction.source = Path(pdf_path)  # a cached extraction may come from a copy elsewhere
        prepared.report_year = int(prepared.extraction.report_year)
        prepared.warnings = list(prepared.extraction.warnings)
        prepared.tables = build_tables(prepared.extraction)
        prepared.warnings += prepared.tables.warnings
    except ReportError as exc:
        prepared.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - reported in the outcome and the ingestions log
        prepared.error = f"{type(exc).__name__}: {exc}"
    return prepared


def _validate(prepared: Prepared, data_docs_dir: str | None) -> Prepared:
    """Validate a prepared report in the flow's process; a crash of the validator is an error outcome."""
    if prepared.error is None and prepared.extraction is not None:
        try:
            prepared.validation, prepared.validation_text = validate(prepared.extraction, data_docs_dir)
        except Exception as exc:  # noqa: BLE001
            prepared.error = f"validation could not run: {type(exc).__name__}: {exc}"
    prepared.extraction = None  # not needed any more; keeps outcomes and futures small
    return prepared


@task(name="prepare-report", cache_policy=NO_CACHE)
def prepare_report(pdf_path: str, cache_dir: str) -> Prepared:
    """`_prepare` as one task, so a folder's reports are extracted in parallel processes."""
    return _prepare(pdf_path, cache_dir)


def _artifact_key(kind: str, year: int | None, file_name: str) -> str:
    """Artifact keys: lowercase letters, digits and dashes only."""
    stem = "".join(ch if ch.isalnum() else "-" for ch in Path(file_name).stem.lower())
    return f"etk-{kind}-{year if year is not None else stem}".strip("-")


def _validation_markdown(p: Prepared, status: str) -> str:
    v = p.validation or {}
    head = (f"# Validation of {p.file_name}\n\n"
            f"- report year: {p.report_year}\n- status: **{status}**\n"
            f"- critical failures: {v.get('critical_failures', '?')}\n\n")
    return head + "```text\n" + (p.validation_text or "").strip() + "\n```\n"


def _json_rows(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows with None for NA/NaN (artifact tables are JSON)."""
    import pandas as pd

    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _artifacts(p: Prepared, status: str, warnings: list[str]) -> None:
    """UI artifacts; a failure here is a warning, never a failed ingestion."""
    try:
        create_markdown_artifact(markdown=_validation_markdown(p, status),
                                 key=_artifact_key("validation", p.report_year, p.file_name),
                                 description=f"Validation report of {p.file_name}")
        if status == LOADED:
            create_table_artifact(table=_json_rows(p.tables.frames["unit_summary"]),
                                  key=_artifact_key("unit-summary", p.report_year, p.file_name),
                                  description=f"Unit summary {p.report_year} ({p.file_name})")
    except Exception as exc:  # noqa: BLE001
        warnings.append(f"could not create Prefect artifacts: {exc}")


def _finish(p: Prepared, warehouse: Path, dsn: str | None, parquet_dir: str | None,
            csv_dir: str | None) -> IngestOutcome:
    """Load a prepared report, or log why not; build its outcome. Runs in the flow's process."""
    tables = p.tables
    record = IngestionRecord(
        file_name=p.file_name, sha256=p.sha256, started_at=p.started_at, report_year=p.report_year,
        validation=p.validation, row_counts=tables.row_counts() if tables else {},
        unmapped_labels=len(tables.unmapped_labels) if tables else None, extract_cached=p.cache_hit)
    outcome = IngestOutcome(
        status=ERROR, source=p.pdf, file_name=p.file_name, sha256=p.sha256, report_year=p.report_year,
        row_counts=record.row_counts, unmapped_labels=list(tables.unmapped_labels) if tables else [],
        validation=p.validation, validation_text=p.validation_text, cache_hit=p.cache_hit,
        warnings=list(p.warnings), ingestion_id=record.ingestion_id, started_at=p.started_at.isoformat())

    if p.error is not None or tables is None:
        outcome.message = p.error or "nothing extracted"
        _log_attempt(warehouse, dsn, record, ERROR, outcome)
    elif not p.validation or not p.validation["passed"]:
        outcome.message = "a critical validation check failed; nothing loaded"
        _log_attempt(warehouse, dsn, record, FAILED_VALIDATION, outcome)
        _artifacts(p, FAILED_VALIDATION, outcome.warnings)
    else:
        _load(p, record, outcome, warehouse, dsn)
        if outcome.status == LOADED:
            _export(tables, outcome, parquet_dir, csv_dir)
            _artifacts(p, LOADED, outcome.warnings)
    outcome.finished_at = utcnow().isoformat()
    log = get_run_logger().info if outcome.status == LOADED else get_run_logger().warning
    log("%s: %s (report year %s)%s", p.file_name, outcome.status, p.report_year,
        f": {outcome.message}" if outcome.message and outcome.status != LOADED else "")
    return outcome


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def _load(p: Prepared, record: IngestionRecord, outcome: IngestOutcome, warehouse: Path, dsn: str | None) -> None:
    """DuckDB first, then PostgreSQL; each target atomic per year and logging its own ingestions row.

    The two cannot share one transaction: if PostgreSQL fails after DuckDB loaded, the
    outcome is 'error' and says so (rerun the same file: a reload is idempotent).
    """
    record.status, record.finished_at = LOADED, utcnow()
    try:
        load_duckdb(str(warehouse), p.tables, record)
    except Exception as exc:  # noqa: BLE001
        outcome.targets["duckdb"] = "error"
        outcome.message = f"DuckDB load failed, nothing changed there: {_one_line(exc)}"
        record.message = outcome.message
        _log_attempt(warehouse, None, record, ERROR, outcome, new_id=True)
        return
    outcome.targets["duckdb"] = str(warehouse)
    outcome.status = LOADED
    if dsn:
        try:
            load_postgres(dsn, p.tables, record)
            outcome.targets["postgres"] = "loaded"
        except Exception as exc:  # noqa: BLE001
            outcome.status = ERROR
            outcome.targets["postgres"] = "error"
            outcome.message = f"PostgreSQL load failed (DuckDB was loaded): {_one_line(exc)}"


def _export(tables: Any, outcome: IngestOutcome, parquet_dir: str | None, csv_dir: str | None) -> None:
    """Requested exports; a failed one makes the outcome 'error' (the databases stay loaded)."""
    for fmt, out_dir in (("parquet", parquet_dir), ("csv", csv_dir)):
        if not out_dir:
            continue
        try:
            outcome.exports[fmt] = export(tables, str(out_dir), fmt)
        except Exception as exc:  # noqa: BLE001
            outcome.status = ERROR
            outcome.message = f"{fmt} export to {out_dir} failed (the warehouse was loaded): {_one_line(exc)}"


def _log_attempt(warehouse: Path, dsn: str | None, record: IngestionRecord, status: str,
                 outcome: IngestOutcome, new_id: bool = False) -> None:
    """Record an attempt that loaded nothing, in every target; a log that cannot be written is a warning."""
    if new_id:  # the 'loaded' row of the failed load was rolled back with it; this is a new row
        record.ingestion_id = str(uuid.uuid4())
    record.status, record.finished_at, record.message = status, utcnow(), outcome.message
    outcome.status = status
    targets = [(log_ingestion_duckdb, str(warehouse))] + ([(log_ingestion_postgres, dsn)] if dsn else [])
    for log_task, where in targets:
        try:
            log_task(where, record)
        except Exception as exc:  # noqa: BLE001
            outcome.warnings.append(f"could not write the ingestions log ({log_task.name}): {_one_line(exc)}")


def _check_duplicate_years(prepared: list[Prepared]) -> None:
    seen: dict[int, str] = {}
    for p in prepared:
        if p.report_year is None or p.error:
            continue
        if p.report_year in seen:
            p.warnings.append(f"report year {p.report_year} is also in {seen[p.report_year]}; "
                              f"the file loaded last replaces it")
        seen[p.report_year] = p.file_name


# --------------------------------------------------------------------------- flows

@flow(name="ingest-report")
def ingest_report(pdf_path: str | Path, warehouse: str | Path | None = None,
                  parquet_dir: str | Path | None = None, postgres_dsn: str | None = None,
                  csv_dir: str | Path | None = None, cache_dir: str | Path | None = None,
                  data_docs_dir: str | Path | None = None) -> IngestOutcome:
    """Extract, validate and load one report; returns its `IngestOutcome` (never raises for bad input)."""
    wh = resolve_warehouse(warehouse)
    cache = resolve_cache_dir(cache_dir, wh)
    prepared = _validate(_prepare(str(pdf_path), str(cache)), str(data_docs_dir) if data_docs_dir else None)
    return _finish(prepared, wh, resolve_postgres_dsn(postgres_dsn),
                   str(parquet_dir) if parquet_dir else None, str(csv_dir) if csv_dir else None)


@flow(name="ingest-folder", task_runner=ProcessPoolTaskRunner(max_workers=FOLDER_WORKERS))
def ingest_folder(folder: str | Path, warehouse: str | Path | None = None,
                  parquet_dir: str | Path | None = None, postgres_dsn: str | None = None,
                  csv_dir: str | Path | None = None, cache_dir: str | Path | None = None,
                  data_docs_dir: str | Path | None = None, pattern: str = "*.pdf") -> list[IngestOutcome]:
    """Ingest every PDF in `folder`: prepared in parallel, loaded one by one in report-year order."""
    wh = resolve_warehouse(warehouse)
    cache = str(resolve_cache_dir(cache_dir, wh))
    docs = str(data_docs_dir) if data_docs_dir else None
    pdfs = list_reports(folder, pattern)
    futures = {prepare_report.submit(str(pdf), cache): pdf for pdf in pdfs}
    prepared = []
    for future in as_completed(list(futures)):  # validate each report while others still extract
        try:
            p = future.result()
        except Exception as exc:  # noqa: BLE001 - the worker itself failed; an error outcome like any other
            pdf = futures[future]
            p = Prepared(pdf=str(pdf), file_name=pdf.name, started_at=utcnow(), error=f"{type(exc).__name__}: {exc}")
        prepared.append(_validate(p, docs))
    prepared.sort(key=lambda p: (p.report_year or 0, p.file_name))
    _check_duplicate_years(prepared)
    dsn = resolve_postgres_dsn(postgres_dsn)
    return [_finish(p, wh, dsn, str(parquet_dir) if parquet_dir else None,
                    str(csv_dir) if csv_dir else None) for p in prepared]


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
               quiet: bool = True) -> IngestOutcome:
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
            return ingest_report(pdf, warehouse=warehouse, parquet_dir=parquet_dir, postgres_dsn=postgres_dsn,
                                 csv_dir=csv_dir, cache_dir=cache_dir, data_docs_dir=data_docs_dir)
        except Exception as exc:  # noqa: BLE001 - e.g. the Prefect API is unreachable
            return IngestOutcome(status=ERROR, source=str(pdf), file_name=Path(pdf).name,
                                 message=f"{type(exc).__name__}: {exc}")
