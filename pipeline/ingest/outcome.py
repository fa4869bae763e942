"""How one report's attempt runs and what it ends as: prepared → validated → loaded, or logged why not.

Plain functions over injected steps (hash, extract, validate, load, log, export,
artifacts): `flows.ingest` passes Prefect tasks, the tests pass plain functions.
So every decision ('loaded', 'failed_validation' or 'error', which ingestions row
is written where, which failure is only a warning) is tested without a Prefect API,
and this module imports neither Prefect nor Great Expectations.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ReportError, is_environment_problem
from pipeline.ingest.shrink import incoming_contents, shrink_loss
from pipeline.ingest.record import ERROR, FAILED_VALIDATION, LOADED, IngestionRecord, IngestOutcome, utcnow

NOTHING_EXTRACTED = "nothing extracted"
VALIDATION_FAILED_MESSAGE = "a critical validation check failed; nothing loaded"


@dataclass
class Prepared:
    """A report on its way: extracted and derived (`prepare`), then validated (`validated`).

    Crosses process boundaries in the folder flow, so it holds only picklable data.
    """

    pdf: str
    file_name: str
    started_at: datetime
    sha256: str | None = None
    report_year: int | None = None
    extraction: Any = None
    checked: Any = None   # what validation reads (pipeline.validate.run.ValidationInput), when derived early
    tables: Any = None
    validation: dict[str, Any] | None = None
    validation_text: str | None = None
    cache_hit: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class PrepareSteps:
    """What `prepare` calls; in the flows these are Prefect tasks."""

    hash_file: Callable[[str], str]
    extract: Callable[[str, str], tuple[Any, ...]]   # (pdf, sha256) -> (extraction, from cache[, [warnings]])
    build_tables: Callable[[Any], Any]               # extraction -> pipeline.model.derive.WarehouseTables
    # extraction -> what validation reads; given, `prepare` derives it and drops the extraction, so
    # that a worker process sends back small frames instead (pipeline.validate.run.validation_input)
    check: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class LoadSteps:
    """What `finish` calls; each may raise, and `finish` decides what a raise means."""

    load_duckdb: Callable[[str, Any, IngestionRecord], Any]   # -> pipeline.load.report.LoadReport
    load_postgres: Callable[[str, Any, IngestionRecord], Any]
    log_duckdb: Callable[[str, IngestionRecord], Any]
    log_postgres: Callable[[str, IngestionRecord], Any]
    export: Callable[[Any, str, str], str]           # (tables, out_dir, fmt) -> where it went
    artifacts: Callable[[Prepared, str], Any]        # (prepared, status); a raise is only a warning
    held_year: Callable[[str, str, int], Any] | None = None  # (warehouse, organization_id, year) -> YearContents | None


@dataclass(frozen=True)
class Targets:
    """Where a report goes: the DuckDB file always, PostgreSQL and exports when given."""

    warehouse: Path
    dsn: str | None = None
    parquet_dir: str | None = None
    csv_dir: str | None = None
    replace: bool = False  # accept a report that holds less than the warehouse has for its year


def error_text(exc: BaseException) -> str:
    """A ReportError's message is already one line for the user; anything else gets its type."""
    return str(exc) if isinstance(exc, ReportError) else f"{type(exc).__name__}: {exc}"


def one_line(exc: BaseException) -> str:
    """The exception's type and first line: database errors can run to pages."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def failed_before_prepared(pdf: str | Path, exc: BaseException, name: str | None = None) -> Prepared:
    """The worker that prepares a report died: an error outcome like any other."""
    return Prepared(pdf=str(pdf), file_name=name or Path(pdf).name, started_at=utcnow(),
                    error=f"{type(exc).__name__}: {exc}")


def prepare(pdf_path: str | Path, steps: PrepareSteps, name: str | None = None) -> Prepared:
    """hash → extract (cached) → derive tables; an error becomes `Prepared.error`, never a raise.

    `name` is how lines and logs name the report (a folder run's relative path), else its file name.

    No validation here: it imports Great Expectations (seconds per process), so the
    folder flow runs it once in its own process, see `validated`.
    """
    prepared = Prepared(pdf=str(pdf_path), file_name=name or Path(pdf_path).name, started_at=utcnow())
    try:
        prepared.sha256 = steps.hash_file(str(pdf_path))
        prepared.extraction, prepared.cache_hit, *notes = steps.extract(str(pdf_path), prepared.sha256)
        prepared.extraction.source = Path(pdf_path)  # a cached extraction may come from a copy elsewhere
        prepared.report_year = int(prepared.extraction.report_year)
        prepared.warnings = [w for batch in notes for w in batch] + list(prepared.extraction.warnings)
        prepared.tables = steps.build_tables(prepared.extraction)
        prepared.warnings += prepared.tables.warnings
        if steps.check is not None:
            prepared.checked = steps.check(prepared.extraction)
            prepared.extraction = None
    except Exception as exc:  # noqa: BLE001 - reported in the outcome and the ingestions log
        prepared.error = error_text(exc)
    return prepared


def validated(prepared: Prepared, validate: Callable[[Any], tuple[dict[str, Any], str]]) -> Prepared:
    """Fill in (summary, text) of the validation; a crash of the validator is an error, not a raise.

    `validate` gets what `prepare` derived for it (`checked`), else the extraction. Drops both
    afterwards: only the tables are loaded, and outcomes stay small.
    """
    source = prepared.checked if prepared.checked is not None else prepared.extraction
    if prepared.error is None and source is not None:
        try:
            prepared.validation, prepared.validation_text = validate(source)
        except Exception as exc:  # noqa: BLE001
            prepared.error = f"validation could not run: {type(exc).__name__}: {exc}"
    prepared.extraction = prepared.checked = None
    return prepared


def gate(p: Prepared) -> tuple[str, str | None]:
    """(status, message) before loading: ERROR or FAILED_VALIDATION stop here; LOADED means 'go load'."""
    if p.error is not None or p.tables is None:
        return ERROR, p.error or NOTHING_EXTRACTED
    if not p.validation or not p.validation["passed"]:
        return FAILED_VALIDATION, VALIDATION_FAILED_MESSAGE
    return LOADED, None


def shrink_gate(p: Prepared, targets: Targets, steps: LoadSteps) -> tuple[str, str | None]:
    """FAILED_VALIDATION with one line if loading would shrink the warehouse's year (unless `replace`).

    A warehouse that cannot be read here is left to the load, which reports (and retries) it.
    """
    if targets.replace or steps.held_year is None or p.report_year is None:
        return LOADED, None
    organization = getattr(p.tables, "organization_id", None)
    try:
        held = steps.held_year(str(targets.warehouse), organization, p.report_year)
    except Exception:  # noqa: BLE001 - e.g. locked: the load step retries and reports it
        return LOADED, None
    loss = shrink_loss(p.report_year, held, incoming_contents(p.tables), organization_id=organization)
    return (FAILED_VALIDATION, loss) if loss else (LOADED, None)


def new_record(p: Prepared) -> IngestionRecord:
    """The ingestions row of this attempt; its status is set once the attempt is decided."""
    tables = p.tables
    return IngestionRecord(
        file_name=p.file_name, sha256=p.sha256, started_at=p.started_at, report_year=p.report_year,
        validation=p.validation, row_counts=tables.row_counts() if tables else {},
        unmapped_labels=len(tables.unmapped_labels) if tables else None, extract_cached=p.cache_hit,
        organization_id=getattr(tables, "organization_id", None), organization=getattr(tables, "organization", None))


def new_outcome(p: Prepared, record: IngestionRecord) -> IngestOutcome:
    """The outcome before anything is loaded: 'error' until a load says otherwise."""
    tables = p.tables
    return IngestOutcome(
        status=ERROR, source=p.pdf, file_name=p.file_name, sha256=p.sha256, report_year=p.report_year,
        row_counts=record.row_counts, unmapped_labels=list(tables.unmapped_labels) if tables else [],
        validation=p.validation, validation_text=p.validation_text, cache_hit=p.cache_hit,
        warnings=list(p.warnings), ingestion_id=record.ingestion_id, started_at=p.started_at.isoformat(),
        organization_id=record.organization_id, organization=record.organization,
        coverage=dict(getattr(tables, "coverage", None) or {}))


def finish(p: Prepared, targets: Targets, steps: LoadSteps) -> IngestOutcome:
    """Load a prepared report, or log why not, in every target; return its outcome."""
    record = new_record(p)
    outcome = new_outcome(p, record)
    status, message = gate(p)
    if status == LOADED:
        status, message = shrink_gate(p, targets, steps)
    if status != LOADED:
        outcome.message = message
        log_attempt(targets, record, outcome, status, steps)
        if status == FAILED_VALIDATION:
            add_artifacts(p, FAILED_VALIDATION, outcome, steps)
    else:
        load(p, record, outcome, targets, steps)
        if outcome.status == LOADED:
            export(p.tables, outcome, targets, steps)
            add_artifacts(p, LOADED, outcome, steps)
    outcome.finished_at = utcnow().isoformat()
    return outcome


def load(p: Prepared, record: IngestionRecord, outcome: IngestOutcome, targets: Targets,
         steps: LoadSteps) -> None:
    """DuckDB first, then PostgreSQL; each target atomic per year and logging its own ingestions row.

    The two cannot share one transaction: if PostgreSQL fails after DuckDB loaded, the
    outcome is 'error' and says so (rerun the same file: a reload is idempotent).
    """
    record.status, record.finished_at = LOADED, utcnow()
    try:
        _take_report(outcome, steps.load_duckdb(str(targets.warehouse), p.tables, record))
    except Exception as exc:  # noqa: BLE001
        outcome.targets["duckdb"] = "error"
        outcome.environment = is_environment_problem(exc)
        outcome.message = f"DuckDB load failed, nothing changed there: {one_line(exc)}"
        record.message = outcome.message
        # only DuckDB: PostgreSQL was not tried, so it has nothing to explain
        log_attempt(Targets(targets.warehouse), record, outcome, ERROR, steps, new_id=True)
        return
    outcome.targets["duckdb"] = str(targets.warehouse)
    outcome.status = LOADED
    if targets.dsn:
        try:
            steps.load_postgres(targets.dsn, p.tables, record)
            outcome.targets["postgres"] = "loaded"
        except Exception as exc:  # noqa: BLE001
            outcome.status = ERROR
            outcome.environment = is_environment_problem(exc)
            outcome.targets["postgres"] = "error"
            outcome.message = f"PostgreSQL load failed (DuckDB was loaded): {one_line(exc)}"


def _take_report(outcome: IngestOutcome, report: Any) -> None:
    """What the load noticed (`pipeline.load.report.LoadReport`): notes, restatements (warnings), alias proposals."""
    outcome.notes += list(getattr(report, "notes", []) or [])
    restatements = list(getattr(report, "restatements", []) or [])
    outcome.warnings += restatements
    if restatements and outcome.validation is not None:
        outcome.validation = {**outcome.validation, "restatements": restatements,
                              "warnings": outcome.validation.get("warnings", 0) + len(restatements)}
    outcome.alias_proposals += list(getattr(report, "alias_proposals", []) or [])


def export(tables: Any, outcome: IngestOutcome, targets: Targets, steps: LoadSteps) -> None:
    """Requested exports; a failed one makes the outcome 'error' (the databases stay loaded)."""
    for fmt, out_dir in (("parquet", targets.parquet_dir), ("csv", targets.csv_dir)):
        if not out_dir:
            continue
        try:
            outcome.exports[fmt] = steps.export(tables, str(out_dir), fmt)
        except Exception as exc:  # noqa: BLE001
            outcome.status = ERROR
            outcome.environment = is_environment_problem(exc)
            outcome.message = f"{fmt} export to {out_dir} failed (the warehouse was loaded): {one_line(exc)}"


def log_attempt(targets: Targets, record: IngestionRecord, outcome: IngestOutcome, status: str,
                steps: LoadSteps, new_id: bool = False) -> None:
    """Record an attempt that loaded nothing, in every target; a log that cannot be written is a warning."""
    if new_id:  # the 'loaded' row of the failed load was rolled back with it; this is a new row
        record.ingestion_id = str(uuid.uuid4())
    record.status, record.finished_at, record.message = status, utcnow(), outcome.message
    if record.row_counts:  # rows_* count what was loaded: nothing; what was extracted stays in the summary
        record.validation = {**(record.validation or {}), "extracted_rows": dict(record.row_counts)}
        record.row_counts = {name: 0 for name in record.row_counts}
    outcome.status = status
    logs = [(steps.log_duckdb, str(targets.warehouse))] + ([(steps.log_postgres, targets.dsn)] if targets.dsn else [])
    for log_step, where in logs:
        try:
            _take_report(outcome, log_step(where, record))
        except Exception as exc:  # noqa: BLE001
            name = getattr(log_step, "name", None) or getattr(log_step, "__name__", "log")
            outcome.warnings.append(f"could not write the ingestions log ({name}): {one_line(exc)}")


def add_artifacts(p: Prepared, status: str, outcome: IngestOutcome, steps: LoadSteps) -> None:
    """UI artifacts; a failure here is a warning, never a failed ingestion."""
    try:
        steps.artifacts(p, status)
    except Exception as exc:  # noqa: BLE001
        outcome.warnings.append(f"could not create Prefect artifacts: {exc}")


def log_line(outcome: IngestOutcome) -> str:
    """The run log's line for an outcome; the message only when something went wrong."""
    reason = f": {outcome.message}" if outcome.message and outcome.status != LOADED else ""
    return f"{outcome.file_name}: {outcome.status} ({outcome.report}){reason}"


# --------------------------------------------------------------------------- artifacts' keys (content: pipeline.present.artifacts)

def artifact_key(kind: str, year: int | None, file_name: str, organization_id: str | None = None) -> str:
    """Artifact keys: lowercase letters, digits and dashes only; organisation and year, else the file's stem."""
    stem = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in Path(file_name).stem.lower())
    which = f"{organization_id}-{year}" if organization_id and year is not None else year if year is not None else stem
    return re.sub(r"-+", "-", f"etk-{kind}-{which}").strip("-")


def org_text(p: Prepared) -> str:
    """'Name (id)' of a prepared report's association, or '?' before its tables exist."""
    organization_id = getattr(p.tables, "organization_id", None)
    if organization_id is None:
        return "?"
    return f"{getattr(p.tables, 'organization', None) or '(name not found)'} ({organization_id})"
