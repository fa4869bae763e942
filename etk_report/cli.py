"""`etk-report`: a thin command line over the pipeline; heavy imports happen per command."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import (
    EXIT_ENVIRONMENT,
    EXIT_OK,
    EXIT_VALIDATION_FAILED,
    EnvironmentProblem,
    ReportError,
    is_environment_problem,
)
from pipeline.ingest.record import DEFAULT_WAREHOUSE
from pipeline.progress import Progress, for_terminal

EXIT_CODES = """\
exit codes:
  0  done (ingest: loaded)
  1  a critical validation check failed, or loading would shrink a loaded year; nothing was loaded
  2  bad input: a missing, broken, encrypted or non-report file, or a usage error (an unknown option,
     a missing argument: argparse's code, folded in on purpose: both mean "fix what you gave")
  3  environment: the warehouse is locked, the Prefect API is unreachable or slow, the disk is full,
     an ETK_* setting has a bad value
Errors and refusals are one line on stderr; every warning is one line on stderr (in ingest-folder
prefixed with its file name); results go to stdout. Progress goes to stderr when it is a terminal.
-q/--quiet goes before or after the command."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from pipeline.settings_env import check_environment_settings

        check_environment_settings()  # a bad ETK_* value: exit 3 naming it, before any work
        return args.command(args)
    except (ReportError, EnvironmentProblem) as exc:
        print(f"etk-report: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if not is_environment_problem(exc):
            raise
        print(f"etk-report: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print("etk-report: interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The console entry point: `main`, then exit without the interpreter's slow teardown.

    Why: freeing the modules of Prefect, Great Expectations and pandas one by one took
    1-2.5 s after the work was done. The atexit handlers registered after this one
    (Prefect's log and event flushing, the temporary server's stop) still run first;
    then streams and logging are flushed and the process ends. Tests call `main`.
    """
    exit_code = [1]  # an unexpected exception: Python prints it, then this handler runs

    def end_now() -> None:
        import logging

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(exit_code[0])

    atexit.register(end_now)
    try:
        exit_code[0] = main()
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
        exit_code[0] = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.exit(exit_code[0])


def _import_in_background(module: str) -> None:
    """Start importing `module` in a daemon thread; a failure is left for the real import to report.

    Why: Great Expectations takes seconds to import, and the flow spends about as long
    waiting on the Prefect API (I/O, which releases the GIL) before validation needs it.
    """
    def load() -> None:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - the validate step imports it again and reports it
            pass

    threading.Thread(target=load, name=f"import-{module}", daemon=True).start()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("etk-report")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="etk-report", description=__doc__, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines (errors still print)")
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: `etk-report -q ingest ...` keeps the -q given before the command
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress lines (errors still print)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[common], epilog=EXIT_CODES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    p = command("extract", "extract every figure into CSV files")
    p.add_argument("report", type=Path, help="annual report PDF")
    p.add_argument("--out", type=Path, required=True, help="folder for figures.csv, finance_summary.csv, municipalities.csv")
    _add_ocr_option(p)
    _add_organization_option(p)
    p.set_defaults(command=_extract)

    p = command("validate", "extract and validate; exit 1 if a critical check fails")
    p.add_argument("report", type=Path)
    p.add_argument("--json", type=Path, help="where to write the full result (default: <report name>.validation.json "
                                             "in the working directory)")
    p.add_argument("--data-docs", type=Path, metavar="DIR", help="also build Great Expectations Data Docs (HTML) in DIR")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write a self-contained HTML report (readable offline)")
    _add_ocr_option(p)
    _add_organization_option(p)
    p.set_defaults(command=_validate)

    p = command("ingest", "extract, validate and load into the warehouse (Prefect flow)")
    p.add_argument("report", type=Path)
    _load_options(p)
    p.add_argument("--show-unmapped", action="store_true", help="list every label no metrics.csv row maps "
                                                                "(default: only their count)")
    p.set_defaults(command=_ingest)

    p = command("ingest-folder", "ingest every PDF of a folder and its subfolders (extraction in parallel, loads one at a time)")
    p.add_argument("folder", type=Path)
    _load_options(p)
    p.add_argument("--task-runner", choices=("process", "dask"), default="process",
                   help="where reports are extracted: local worker processes (default) or a Dask cluster")
    p.add_argument("--dask-address", metavar="tcp://HOST:PORT",
                   help="a running Dask scheduler (default with --task-runner dask: a temporary local cluster)")
    p.add_argument("--workers", type=int, default=2, help="local workers (default 2)")
    p.set_defaults(command=_ingest_folder)

    p = command("report", "write the trend page: every unit's key metrics across the loaded years, the finance, "
                          "validation and lineage (needs the report extra: pip install -e '.[report]')")
    p.add_argument("--warehouse", type=Path, default=Path(os.environ.get("ETK_WAREHOUSE", DEFAULT_WAREHOUSE)),
                   help=f"DuckDB file (default: $ETK_WAREHOUSE or {DEFAULT_WAREHOUSE})")
    p.add_argument("--organization", metavar="ID", help="only this organisation (a warehouse keyed by organization_id)")
    p.add_argument("--html", type=Path, metavar="FILE", required=True, help="where to write the page (self-contained)")
    p.set_defaults(command=_trend_report)
    return parser


def _load_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--warehouse", type=Path, default=Path(os.environ.get("ETK_WAREHOUSE", DEFAULT_WAREHOUSE)),
                   help=f"DuckDB file (default: $ETK_WAREHOUSE or {DEFAULT_WAREHOUSE}, relative to the "
                        f"working directory; the absolute path is printed)")
    p.add_argument("--parquet", type=Path, metavar="DIR", help="also export every table as Parquet, partitioned by "
                                                                   "organisation and year")
    p.add_argument("--csv", type=Path, metavar="DIR", help="also export every table as CSV")
    p.add_argument("--postgres", metavar="DSN", default=os.environ.get("ETK_POSTGRES_DSN"),
                   help="also load into PostgreSQL (default: $ETK_POSTGRES_DSN)")
    _add_ocr_option(p)
    _add_organization_option(p)
    p.add_argument("--replace", action="store_true",
                   help="load even if a report holds fewer units or figures than the warehouse has for its year")
    p.add_argument("--report-html", type=Path, metavar="FILE",
                   help="after loading, write the trend page (as `etk-report report`) to FILE; needs matplotlib")


@contextlib.contextmanager
def _writing(where: Path) -> Iterator[None]:
    """A full disk (or quota) while writing `where` becomes one line naming it, exit 3."""
    try:
        yield
    except OSError as exc:
        if not is_environment_problem(exc):
            raise
        raise EnvironmentProblem(f"cannot write {where}: {exc.strerror or exc}") from None


def _progress(args: argparse.Namespace) -> Progress:
    return for_terminal(quiet=args.quiet)


def _add_ocr_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ocr", choices=("auto", "off", "force"), default="auto",
                   help="image pages: auto = OCR those that show a statistics or finance title, if Tesseract is "
                        "installed; off = only name them; force = OCR every one (Tesseract required)")


def _add_organization_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--organization", metavar="NAME",
                   help="the association, instead of the name the report prints (cover, running header or "
                        "footer, signature); its id is a slug of NAME")


def _named(extraction, name: str | None) -> list[str]:
    """Apply `--organization`; returns a line naming the association and one with the metric coverage."""
    from pipeline.model.derive import build_tables, coverage_line
    from pipeline.model.organization import organization_id

    if name:
        extraction.organization = name
    found = extraction.organization or "(not found; give --organization NAME)"
    return [f"organisation: {found} ({organization_id(extraction.organization)})",
            coverage_line(build_tables(extraction).coverage)]


def _extract(args: argparse.Namespace) -> int:
    from pipeline.extract.report import extract_report
    from pipeline.extract.output.files import summary_lines, write_csvs

    progress = _progress(args)
    with progress.stage("extract"):
        extraction = extract_report(args.report, ocr=args.ocr)
    named = _named(extraction, args.organization)
    with _writing(args.out):
        written = write_csvs(extraction, args.out)
    _print_split(summary_lines(extraction) + named)
    print(f"wrote {args.out}/" + ", ".join(path.name for path in written))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    import json

    progress = _progress(args)
    with progress.stage("extract"):
        from pipeline.extract.report import extract_report

        extraction = extract_report(args.report, ocr=args.ocr)
    named = _named(extraction, args.organization)
    with progress.stage("validate", "(loading Great Expectations)"):
        from pipeline.validate.run import validate_extraction

        report = validate_extraction(extraction, data_docs_dir=args.data_docs)
    for note in report.environment:  # the machine, not the report: one line each
        print(f"note: {note}", file=sys.stderr)
    for line in report.render_text().splitlines():  # warnings to stderr, as everywhere
        print(line, file=sys.stderr if line.startswith("WARNING") else sys.stdout)
    print("\n".join(named))
    json_path = args.json or Path(f"{args.report.stem}.validation.json")
    with _writing(json_path):
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str),
                             encoding="utf-8")
    print(f"full result: {json_path}")
    if args.html:
        from pipeline.validate.html import write_html

        print(f"HTML report: {write_html(report, args.html, f'Validation of {args.report.name}')}")
    return EXIT_OK if report.passed else EXIT_VALIDATION_FAILED


def _check_environment(warehouse: Path, report_html: Path | None = None) -> None:
    """Fail in seconds, before any work, on a locked warehouse, an unreachable Prefect API, or a
    trend page asked for without matplotlib."""
    from flows.runtime import check_api
    from pipeline.load.duckdb_store import check_writable

    if report_html:
        from pipeline.present.charts import require_matplotlib

        require_matplotlib()
    check_writable(warehouse)
    check_api()


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.extract.read.pages import scan_pages

    scan_pages(args.report)  # an unreadable file fails here in a fraction of a second, before Prefect starts
    warehouse = args.warehouse.resolve()  # a relative default would make a second warehouse in another directory
    new_warehouse = not warehouse.exists()
    from pipeline.load.duckdb_store import check_warehouse_file

    check_warehouse_file(warehouse)  # a SQLite file (say) as --warehouse: exit 2 now, not after Prefect
    _check_environment(warehouse, args.report_html)
    from flows.runtime import configure_prefect_env

    configure_prefect_env()  # before Prefect is imported: it reads its settings then
    import pipeline.extract.report  # noqa: F401 - the flow's own imports done before the background one
    from flows.ingest import run_ingest

    _import_in_background("pipeline.validate.gx")
    outcome = run_ingest(args.report, warehouse=warehouse, parquet_dir=args.parquet,
                         csv_dir=args.csv, postgres_dsn=args.postgres, progress=_progress(args), ocr=args.ocr,
                         replace=args.replace, report_html=args.report_html,
                         organization=args.organization)
    code = _report(outcome, args.show_unmapped)
    if new_warehouse and code == EXIT_OK:
        print(f"  note: {warehouse} is a new warehouse file (none was there before; --warehouse or "
              f"$ETK_WAREHOUSE point to an existing one)")
    return code


def _report(outcome, show_unmapped: bool = False, prefix: str = "") -> int:
    """The outcome on the terminal. An environment problem, bad input and a refusal are one line on
    stderr; warnings (extraction, validation, year over year) one line each on stderr, after
    `prefix` (the file name in folder runs); what was loaded goes to stdout."""
    code = outcome.exit_code
    if code == EXIT_ENVIRONMENT:
        print(f"etk-report: {outcome.file_name}: {outcome.message}", file=sys.stderr)
        return code
    from pipeline.ingest.record import FAILED_VALIDATION

    if outcome.status == FAILED_VALIDATION:
        _print_split([f"  warning: {w}" for w in outcome.all_warnings()], prefix)
        print(f"etk-report: {outcome.refusal_line()}", file=sys.stderr)
        return code
    if code != EXIT_OK:  # a refusal is one line on stderr, and stdout holds only results
        print(f"etk-report: {outcome.refusal_line()}", file=sys.stderr)
        return code
    _print_split(outcome.summary(max_labels=None if show_unmapped else 0).splitlines(), prefix)
    return code


def _print_split(lines: list[str], prefix: str = "") -> None:
    """Results to stdout, warnings (what could not be read, with its page) to stderr, one line each.

    Why: a script that keeps stdout still sees every loss, and `2>/dev/null` is a choice, not a default.
    """
    for line in lines:
        if line.lstrip().startswith("warning:"):
            print(f"{prefix}{line.strip()}", file=sys.stderr)
        else:
            print(line)


def _ingest_folder(args: argparse.Namespace) -> int:
    if not args.folder.is_dir():
        raise ReportError(f"{args.folder}: no such folder")
    warehouse = args.warehouse.resolve()
    _check_environment(warehouse, args.report_html)
    from flows.runtime import configure_prefect_env

    configure_prefect_env()
    from flows.ingest import run_folder

    progress = _progress(args)
    with progress.stage("ingest-folder", f"{args.folder} on {args.task_runner} workers"):
        outcomes = run_folder(args.folder, warehouse=warehouse, task_runner=args.task_runner,
                              dask_address=args.dask_address, workers=args.workers, parquet_dir=args.parquet,
                              csv_dir=args.csv, postgres_dsn=args.postgres, ocr=args.ocr,
                              replace=args.replace, report_html=args.report_html,
                              organization=args.organization)
    if not outcomes:
        print(f"no PDF report in {args.folder.resolve()}")
        return EXIT_OK
    return max([_report(outcome, prefix=f"{outcome.file_name}: ") for outcome in outcomes])


def _trend_report(args: argparse.Namespace) -> int:
    from pipeline.present.charts import require_matplotlib

    require_matplotlib()  # exit 3 with what to install, before reading anything
    from pipeline.present.trend import write_trend_page

    with _progress(args).stage("report"), _writing(args.html):
        page = write_trend_page(args.warehouse.resolve(), args.html, args.organization)
    years = ", ".join(str(y) for y in page.years)
    print(f"trend page: {page.path} ({page.charts} charts, years {years}, {page.bytes // 1024} KiB)")
    return EXIT_OK


if __name__ == "__main__":
    run()
