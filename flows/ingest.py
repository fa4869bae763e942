"""Prefect flows that ingest annual reports: extract → validate → load. Orchestration only.

Every step's logic lives in `pipeline/` (what an attempt ends as, and which
ingestions row it writes where, in `pipeline.ingest.outcome`, which is handed these
tasks as its steps); this module decides order, retries, caching, concurrency
and what shows up in the Prefect UI (artifacts).

- `ingest_report(pdf)`: one report, in-process.
- `ingest_folder(folder)`: every PDF of a folder. Extraction and the derived tables run in
  parallel worker processes (a ProcessPoolTaskRunner: CPU-bound, and PDFium, used to scan
  pages, is not thread-safe); the flow's process validates each report as it comes back and
  loads it as soon as its turn comes (year order per association, `pipeline.ingest.order`),
  one at a time, because a DuckDB file has a single writer.
- `run_ingest(pdf, ...)`: `ingest_report` for the CLI, with Prefect's console
  logging silenced; never raises for bad input, returns an `IngestOutcome`.
- `run_folder(folder, ..., task_runner='process'|'dask')`: `ingest_folder` with its
  extraction on worker processes or on a Dask cluster (prefect-dask's DaskTaskRunner:
  a temporary LocalCluster, or a running scheduler's address). Loads stay in the
  flow's process, one at a time, whatever runs the extraction.

Extraction is cached on the PDF's SHA-256 plus a fingerprint of the pipeline
code (`pipeline.ingest.record.extractor_fingerprint`), as verified JSON entries in
`<warehouse dir>/cache/` (or $ETK_CACHE_DIR; `pipeline.ingest.cache`, never pickles),
so re-ingesting an unchanged file skips extraction across runs and processes.
"""


# No `from __future__ import annotations` here: Prefect builds a pydantic model of each
# flow's parameters from its annotations, and string annotations failed to resolve
# (`Path` not defined) when a deployment loaded the flow from its file.
import contextlib
import dataclasses
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner

from pipeline.ingest.cache import read_entry, write_entry
from pipeline.ingest.order import LoadOrder
from pipeline.ingest.shrink import held_contents
from pipeline.ingest.record import (
    ERROR,
    LOADED,
    IngestionRecord,
    IngestOutcome,
    extractor_fingerprint,
    file_sha256,
    list_reports,
    report_name,
    resolve_cache_dir,
    resolve_postgres_dsn,
    resolve_warehouse,
    summarize_validation,
)
from pipeline.validate.year_over_year import HeldMetrics, held_metrics
from flows.runtime import api_url, configure_prefect_env, prefect_problem
from pipeline.errors import EnvironmentProblem
from pipeline.progress import SILENT, Progress
from pipeline.present.artifacts import unit_summary_rows, validation_markdown as validation_table_markdown
from pipeline.ingest.outcome import (
    LoadSteps,
    Prepared,
    PrepareSteps,
    Targets,
    artifact_key,
    failed_before_prepared,
    finish,
    log_line,
    one_line,
    prepare,
    validated,
)

FOLDER_WORKERS = 2  # the machines this runs on have 2 cores
# How much nicer (os.nice) the folder run's local worker processes run than the flow's process, which
# validates and loads each report they hand back: with an equal share of the 2 cores it fell behind
# (24 copies: 33.8-41.6 s a round, 34.8-35.0 s with it; README, Performance).
WORKER_NICENESS = 5
TASK_RUNNERS = ("process", "dask")

# Where stage progress goes; run_ingest sets it for the CLI. A module global, not a flow
# parameter, because a Progress is not serialisable and the flow runs in this process.
PROGRESS: Progress = SILENT


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
def extract(pdf_path: str, sha256: str, ocr: str = "auto") -> Any:
    """`pipeline.extract.extract_report`; `sha256` names the run in the UI (the cache is `_extract_step`'s)."""
    from pipeline.extract.report import extract_report

    return extract_report(pdf_path, ocr=ocr)


@task(name="validate", cache_policy=NO_CACHE)
def validate(checked: Any, data_docs_dir: str | None = None, previous: Any = None,
             current: Any = None) -> tuple[dict[str, Any], str]:
    """(summary, text) of `pipeline.validate.run.validate_input`: plain data that pickles.

    `checked` is what `validation_input` derived (or an extraction); `previous` the association's
    latest earlier year's unit metrics held in the warehouse, compared with this year's (`current`).
    """
    from pipeline.validate.run import ValidationInput, validate_input, validation_input

    if not isinstance(checked, ValidationInput):
        checked = validation_input(checked)
    report = validate_input(checked, data_docs_dir=Path(data_docs_dir) if data_docs_dir else None,
                            previous_metrics=previous, current_metrics=current)
    return summarize_validation(report), report.render_text()


@task(name="build-tables", cache_policy=NO_CACHE)
def build_tables(extraction: Any) -> Any:
    from pipeline.model.derive import build_tables as build

    return build(extraction)


@task(name="load-duckdb", retries=2, retry_delay_seconds=[1, 2], retry_condition_fn=_transient,
      cache_policy=NO_CACHE)  # a lock that outlasts 3 s is someone's open connection: fail, exit 3
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


@task(name="trend-page", cache_policy=NO_CACHE)
def trend_page(warehouse: str, html: str) -> str:
    """`pipeline.present.trend.write_trend_page`: the offline page of every loaded year; returns its path."""
    from pipeline.present.trend import write_trend_page

    return str(write_trend_page(warehouse, html).path)


@task(name="export", cache_policy=NO_CACHE)
def export(tables: Any, out_dir: str, fmt: str) -> str:
    from pipeline.load.export import export_year

    export_year(tables, out_dir, fmt)
    return str(out_dir)


# --------------------------------------------------------------------------- steps

def _extract_step(cache_dir: str, ocr: str = "auto",
                  organization: str | None = None) -> Callable[[str, str], tuple[Any, ...]]:
    """The verified JSON cache in `cache_dir`, else the `extract` task (whose result is then cached).

    Returns (extraction, answered from cache[, [warning]]): an entry that was there but
    failed verification is named in one warning line and overwritten. The OCR mode is part
    of the entry's key: `--ocr off` and `auto` read image pages differently. `organization`
    (`--organization`) replaces the name the report prints after the cache: an entry is the
    file's own reading, whoever ingests it.
    """
    def run(pdf_path: str, sha256: str) -> tuple[Any, ...]:
        fingerprint = extractor_fingerprint() + ("" if ocr == "auto" else f"-ocr-{ocr}")
        cached = read_entry(cache_dir, sha256, fingerprint)
        if cached.extraction is not None:
            return _named(cached.extraction, organization), True
        extraction = extract(pdf_path, sha256, ocr)
        problems = [cached.problem] if cached.problem else []
        if write_entry(cache_dir, sha256, fingerprint, extraction) is None:
            problems.append("the extraction could not be stored in the cache (a field is not plain data)")
        extraction = _named(extraction, organization)
        return (extraction, False, problems) if problems else (extraction, False)

    return run


def _named(extraction: Any, organization: str | None) -> Any:
    """The extraction with the association `--organization` names, when given."""
    if organization:
        extraction.organization = organization
    return extraction


def _prepare_steps(cache_dir: str, ocr: str = "auto", organization: str | None = None) -> PrepareSteps:
    from pipeline.validate.run import validation_input  # pandas only: no Great Expectations in the workers

    return PrepareSteps(hash_file=hash_file, extract=_extract_step(cache_dir, ocr, organization),
                        build_tables=build_tables, check=validation_input)


@task(name="prepare-report", cache_policy=NO_CACHE)
def prepare_report(pdf_path: str, cache_dir: str, data_docs_dir: str | None = None, ocr: str = "auto",
                   held: HeldMetrics | None = None, validate_here: bool = False,
                   organization: str | None = None, name: str | None = None, niceness: int = 0) -> Prepared:
    """hash → extract → derive tables and validation's check tables, in a worker; validated too if asked.

    Why the check tables here: they depend on the report alone, and with them in the flow's process
    that process was the bottleneck (workers waited while it derived and validated). Only small
    frames travel back, not the extraction. `validate_here` also runs Great Expectations in the worker
    (each worker then imports it once), against `held`: the warehouse as it was when the run began.
    """
    _run_nicer(niceness)
    prepared = prepare(pdf_path, _prepare_steps(cache_dir, ocr, organization), name)
    return _validate(prepared, data_docs_dir, held) if validate_here else prepared


_MADE_NICER = False  # this process has been made nicer already


def _run_nicer(niceness: int) -> None:
    """Make this worker process `niceness` nicer, once; never the flow's own process (a thread runner)."""
    global _MADE_NICER
    if niceness <= 0 or _MADE_NICER or multiprocessing.parent_process() is None:
        return
    with contextlib.suppress(OSError):
        os.nice(niceness)
        _MADE_NICER = True


def _worker_niceness() -> int:
    """WORKER_NICENESS for the local process pool, whose workers share this machine with the flow's
    process; 0 for other runners (a Dask worker outlives the run, and may serve others)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return WORKER_NICENESS if isinstance(getattr(context, "task_runner", None), ProcessPoolTaskRunner) else 0


def _validate(p: Prepared, data_docs_dir: str | None, held: HeldMetrics | None = None) -> Prepared:
    """The `validate` task on a prepared report, with year over year against `held` when it has an earlier year."""
    previous = None
    if held is not None and p.tables is not None and p.report_year is not None:
        previous = held.previous(p.report_year, getattr(p.tables, "organization_id", None))
    current = p.tables.frames.get("unit_metrics") if previous is not None else None
    return validated(p, lambda checked: validate(checked, data_docs_dir, previous, current))


def _staged(stage: Callable[..., str], step: Callable[..., Any]) -> Callable[..., Any]:
    """`step` reported to PROGRESS as a stage named by `stage(*args)`."""
    def run(*args: Any) -> Any:
        with PROGRESS.stage(stage(*args)):
            return step(*args)

    return run


def _artifacts(p: Prepared, status: str) -> None:
    """The validation as a table, and for a loaded report its unit summary (narrow), in the Prefect UI."""
    create_markdown_artifact(markdown=validation_table_markdown(p.file_name, p.report_year, status, p.validation,
                                                                p.warnings),
                             key=artifact_key("validation", p.report_year, p.file_name, _org(p)),
                             description=f"Validation report of {p.file_name}")
    if status == LOADED:
        create_table_artifact(table=unit_summary_rows(p.tables.frames["unit_summary"]),
                              key=artifact_key("unit-summary", p.report_year, p.file_name, _org(p)),
                              description=f"Unit summary {p.report_year} of {_org(p)} ({p.file_name})")


def _org(p: Prepared) -> str | None:
    return getattr(p.tables, "organization_id", None)


LOAD_STEPS = LoadSteps(load_duckdb=load_duckdb, load_postgres=load_postgres, log_duckdb=log_ingestion_duckdb,
                       log_postgres=log_ingestion_postgres, export=export, artifacts=_artifacts,
                       held_year=held_contents)


def _progress_steps() -> LoadSteps:
    """LOAD_STEPS with load and export reported as stages (the log steps keep their task names)."""
    if not PROGRESS.active:
        return LOAD_STEPS
    return dataclasses.replace(LOAD_STEPS, load_duckdb=_staged(lambda *a: "load", load_duckdb),
                               load_postgres=_staged(lambda *a: "load postgres", load_postgres),
                               export=_staged(lambda tables, out, fmt: f"export {fmt}", export),
                               artifacts=_staged(lambda *a: "artifacts", _artifacts))


def _finish(p: Prepared, targets: Targets) -> IngestOutcome:
    """`pipeline.ingest.outcome.finish` with the tasks, in the flow's process; one line in the run log."""
    outcome = finish(p, targets, _progress_steps())
    logger = get_run_logger()
    (logger.info if outcome.status == LOADED else logger.warning)(log_line(outcome))
    return outcome


@contextlib.contextmanager
def _stages_in_run_log() -> Iterator[None]:
    """Within a flow run, every stage line also goes to the run's log, so the Prefect UI shows them."""
    global PROGRESS
    saved = PROGRESS
    PROGRESS = saved.logging_to(get_run_logger().info)
    try:
        yield
    finally:
        PROGRESS = saved


def _write_trend_page(warehouse: Path, html: str | Path | None, outcomes: list[IngestOutcome]) -> None:
    """After loading: the trend page, named in each outcome, and a link artifact to it; a failure is a warning."""
    if not html or not any(o.status == LOADED for o in outcomes):
        return
    try:
        with PROGRESS.stage("report"):
            path = trend_page(str(warehouse), str(html))
        create_link_artifact(link=Path(path).as_uri(), link_text=f"Trend page ({Path(path).name})",
                             key="etk-trend-page", description="Every unit's key metrics across the loaded years, "
                             "the finance, validation and lineage: one self-contained page")
    except Exception as exc:  # noqa: BLE001 - the reports are loaded; the page is extra
        for outcome in outcomes:
            outcome.warnings.append(f"trend page not written: {one_line(exc)}")
        return
    for outcome in outcomes:
        outcome.exports["trend page"] = path


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
                  data_docs_dir: str | Path | None = None, ocr: str = "auto",
                  replace: bool = False, report_html: str | Path | None = None,
                  organization: str | None = None) -> IngestOutcome:
    """Extract, validate and load one report; returns its `IngestOutcome` (never raises for bad input).

    `ocr` (auto|off|force): what happens to image pages (`pipeline.extract.report.extract_report`).
    `replace=True` loads even when the report holds fewer units or figures than the warehouse has
    for its year (the shrink guard, `pipeline.ingest.shrink`). `report_html`: after loading, write the
    trend page there (`pipeline.present`, needs matplotlib) and link it as an artifact. `organization` names
    the association instead of the name the report prints (`--organization`).
    """
    with _stages_in_run_log():
        PROGRESS.done("prefect")
        wh = resolve_warehouse(warehouse)
        cache = str(resolve_cache_dir(cache_dir, wh))
        with PROGRESS.stage("extract"):
            prepared = prepare(str(pdf_path), _prepare_steps(cache, ocr, organization))
        with PROGRESS.stage("validate"):
            held = held_metrics(wh, getattr(prepared.tables, "organization_id", None)) if prepared.tables else None
            prepared = _validate(prepared, str(data_docs_dir) if data_docs_dir else None, held)
        outcome = _finish(prepared, _targets(wh, postgres_dsn, parquet_dir, csv_dir, replace))
        _write_trend_page(wh, report_html, [outcome])
        return outcome


@flow(name="ingest-folder", task_runner=ProcessPoolTaskRunner(max_workers=FOLDER_WORKERS))
def ingest_folder(folder: str | Path, warehouse: str | Path | None = None,
                  parquet_dir: str | Path | None = None, postgres_dsn: str | None = None,
                  csv_dir: str | Path | None = None, cache_dir: str | Path | None = None,
                  data_docs_dir: str | Path | None = None, pattern: str = "*.pdf",
                  ocr: str = "auto", replace: bool = False,
                  validate_in_workers: bool = False, report_html: str | Path | None = None,
                  organization: str | None = None) -> list[IngestOutcome]:
    """Ingest every PDF in `folder` and its subfolders: prepared in parallel, each loaded as soon as its
    turn comes; each is named by its path relative to `folder`.

    Workers extract and derive each report (tables and validation's check tables); this process
    validates each as it comes back (Great Expectations imported once) and loads it when every file
    before it in path order is back (`pipeline.ingest.order.LoadOrder`: year order per association,
    a late earlier year makes the later ones load again after it). Year over year compares with the
    warehouse as it was when the run began and with the run's own earlier years.
    `validate_in_workers=True` runs Great Expectations in the workers instead, which pays off on a
    cluster whose workers outlive the flow run (they import it once each)."""
    wh = resolve_warehouse(warehouse)
    cache = str(resolve_cache_dir(cache_dir, wh))
    docs = str(data_docs_dir) if data_docs_dir else None
    held = held_metrics(wh)
    pdfs = [str(pdf) for pdf in list_reports(folder, pattern)]
    niceness = _worker_niceness()
    futures = {prepare_report.submit(pdf, cache, docs, ocr, held if validate_in_workers else None,
                                     validate_in_workers, organization, report_name(pdf, folder), niceness): pdf
               for pdf in pdfs}
    order = LoadOrder(pdfs, held_year=held.latest_year_before)
    targets = _targets(wh, postgres_dsn, parquet_dir, csv_dir, replace)
    outcomes: dict[str, IngestOutcome] = {}
    with _stages_in_run_log():
        for future in as_completed(list(futures)):
            try:
                p = future.result()
            except Exception as exc:  # noqa: BLE001 - the worker itself failed; an error outcome like any other
                p = failed_before_prepared(futures[future], exc, report_name(futures[future], folder))
            if not validate_in_workers:  # validated here while the workers go on extracting
                p = _validate(p, docs, held)
            for release in order.arrive(p):
                outcomes[release.prepared.pdf] = _finish(release.prepared, targets)
        loaded = [outcomes[pdf] for pdf in order.load_order()]
        _write_trend_page(wh, report_html, loaded)
    return loaded


# --------------------------------------------------------------------------- CLI entry

_QUIET_LOGGERS = ("prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.server",
                  "prefect.client", "prefect.events", "uvicorn", "httpx")
_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")  # their handler sends to the API: the run's log


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
    propagating = {name: logging.getLogger(name).propagate for name in _RUN_LOGGERS}
    root = logging.getLogger("prefect")
    if not any(isinstance(f, _NoTemporaryServerNotice) for f in root.filters):
        root.addFilter(_NoTemporaryServerNotice())
    try:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(level)
        for name in _RUN_LOGGERS:  # still to the API (the run's log in the UI), never to the console
            logging.getLogger(name).setLevel(logging.INFO)
            logging.getLogger(name).propagate = False
        yield
    finally:
        for name, lvl in saved.items():
            logging.getLogger(name).setLevel(lvl)
        for name, flag in propagating.items():
            logging.getLogger(name).propagate = flag


def run_ingest(pdf: str | Path, warehouse: str | Path | None = None, parquet_dir: str | Path | None = None,
               postgres_dsn: str | None = None, *, csv_dir: str | Path | None = None,
               cache_dir: str | Path | None = None, data_docs_dir: str | Path | None = None,
               quiet: bool = True, progress: Progress | None = None, ocr: str = "auto",
               replace: bool = False, report_html: str | Path | None = None,
               organization: str | None = None) -> IngestOutcome:
    """Run the `ingest_report` flow for the CLI and return its `IngestOutcome`.

    Exit-code mapping for the CLI: `outcome.exit_code` (loaded 0, failed_validation 1,
    environment 3, other errors 2). With no Prefect server configured (PREFECT_API_URL unset)
    Prefect starts a temporary local one for the run, which costs several seconds; point
    PREFECT_API_URL at a running `prefect server start` to avoid that and to see the run in the UI.
    `progress` reports each stage (Prefect start-up, extract, validate, load, export).
    """
    global PROGRESS
    configure_prefect_env()
    PROGRESS = progress or SILENT
    if api_url():
        PROGRESS.start("prefect", f"flow run on {api_url()}")
    else:
        PROGRESS.start("prefect", "starting a temporary server (set PREFECT_API_URL to skip this)")
    context = quiet_prefect() if quiet else contextlib.nullcontext()
    with context:
        try:
            from flows.server_watch import guard_temporary_server

            guard_temporary_server()  # a temporary Prefect server is stopped even if this process is killed
            outcome = ingest_report(pdf, warehouse=warehouse, parquet_dir=parquet_dir, postgres_dsn=postgres_dsn,
                                    csv_dir=csv_dir, cache_dir=cache_dir, data_docs_dir=data_docs_dir, ocr=ocr,
                                    replace=replace, report_html=report_html, organization=organization)
            PROGRESS.note(f"flow run finished: {outcome.status}")
            return outcome
        except Exception as exc:  # noqa: BLE001 - e.g. the Prefect API is unreachable
            PROGRESS.failed("prefect")
            problem = prefect_problem(exc)
            return IngestOutcome(status=ERROR, source=str(pdf), file_name=Path(pdf).name,
                                 environment=problem is not None,
                                 message=str(problem) if problem else f"{type(exc).__name__}: {exc}")
        finally:
            PROGRESS = SILENT


def folder_task_runner(kind: str = "process", dask_address: str | None = None,
                       workers: int = FOLDER_WORKERS, dask_processes: bool = True) -> Any:
    """The task runner that extracts a folder's reports.

    'process': worker processes on this machine (the default). 'dask': prefect-dask's
    DaskTaskRunner, on the scheduler at `dask_address`, else on a temporary LocalCluster of
    `workers` single-threaded workers (PDFium is not thread-safe: one thread per worker).
    """
    if kind == "process":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind != "dask":
        raise ValueError(f"unknown task runner {kind!r}; choose one of {', '.join(TASK_RUNNERS)}")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise EnvironmentProblem("--task-runner dask needs prefect-dask: pip install -e '.[dask]'") from None
    if dask_address:
        return DaskTaskRunner(address=dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                          "processes": dask_processes, "dashboard_address": None})


def run_folder(folder: str | Path, warehouse: str | Path | None = None, *, task_runner: str = "process",
               dask_address: str | None = None, workers: int = FOLDER_WORKERS,
               quiet: bool = True, **options: Any) -> list[IngestOutcome]:
    """`ingest_folder` on the chosen task runner (see `folder_task_runner`); `options` are its parameters."""
    configure_prefect_env()
    runner = folder_task_runner(task_runner, dask_address, workers)
    context = quiet_prefect() if quiet else contextlib.nullcontext()
    with context, _one_api_for_workers(quiet):
        return ingest_folder.with_options(task_runner=runner)(folder, warehouse=warehouse, **options)


@contextlib.contextmanager
def _one_api_for_workers(quiet: bool) -> Iterator[None]:
    """Workers (process pool or Dask) are processes of their own: give them this process's Prefect API.

    Why: without PREFECT_API_URL every worker would start its own temporary server (tens of
    seconds each) and print every task run. With PREFECT_API_URL set it is used as it is (a
    remote cluster's workers must be able to reach it); otherwise one temporary server is
    started here and its URL is handed to the workers through their environment.
    """
    saved = {k: os.environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_LOGGING_LEVEL", "DASK_LOGGING__DISTRIBUTED")}
    if quiet:
        os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
        os.environ["DASK_LOGGING__DISTRIBUTED"] = "error"  # not the nanny's routine shutdown warnings
        logging.getLogger("distributed").setLevel(logging.ERROR)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    try:
        with contextlib.ExitStack() as stack:
            configured = PREFECT_API_URL.value()  # the environment's, or a test harness's
            if not configured:
                from flows.runtime import temporary_api_server
                from flows.server_watch import guard_temporary_server

                guard_temporary_server()  # the server goes with this process, even after kill -9
                configured = stack.enter_context(temporary_api_server()).url
                stack.enter_context(temporary_settings({PREFECT_API_URL: configured}))
            os.environ["PREFECT_API_URL"] = configured
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
