"""Yearly schedule: every spring, ingest the newest annual report dropped into a folder.

    prefect server start                       # terminal 1 (UI on http://127.0.0.1:4200)
    export PREFECT_API_URL=http://127.0.0.1:4200/api
    python -m flows.serve --folder inbox       # terminal 2: registers the deployment and waits

The association publishes its report in spring; the run at 06:00 on 1 April
(Europe/Helsinki) picks the PDF with the latest year in its name. A run whose
report fails validation (or errors) ends Failed, so it shows in the UI and in
any notification set up on failed runs. `prefect deployment run
'ingest-newest/yearly-spring'` starts one now.
"""


# No `from __future__ import annotations` here: Prefect builds a pydantic model of each
# flow's parameters from its annotations, and string annotations failed to resolve
# (`Path` not defined) when a deployment loaded the flow from its file.
import argparse
import os
import sys
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.schedules import Cron
from prefect.states import Completed

from flows.ingest import ingest_report
from pipeline.ingest.record import IngestOutcome, newest_report

SPRING_CRON = "0 6 1 4 *"  # 06:00 on 1 April
TIMEZONE = "Europe/Helsinki"
DEPLOYMENT = "yearly-spring"
NO_NEW_REPORT = "no new report"


def prepare_inbox(folder: str | Path) -> Path:
    """The inbox as an absolute path, created when missing; raises when it exists but is not a folder.

    Why at start-up: the first scheduled run comes months later, and must not be the one
    that finds out the folder was never there.
    """
    inbox = Path(folder).expanduser().resolve()
    if inbox.exists() and not inbox.is_dir():
        raise NotADirectoryError(f"inbox {inbox} exists but is not a folder")
    inbox.mkdir(parents=True, exist_ok=True)
    return inbox


@flow(name="ingest-newest")
def ingest_newest(folder: str, warehouse: str | None = None, parquet_dir: str | None = None,
                  postgres_dsn: str | None = None, csv_dir: str | None = None) -> IngestOutcome:
    """Ingest the newest PDF of `folder`; raise (run ends Failed) unless it was loaded.

    An empty or missing inbox is not a failure: the run ends Completed, "no new report".
    """
    inbox = Path(folder).expanduser().resolve()
    pdf = newest_report(inbox) if inbox.is_dir() else None
    if pdf is None:
        get_run_logger().info(f"{NO_NEW_REPORT}: no PDF in {inbox}")
        return Completed(message=f"{NO_NEW_REPORT} in {inbox}")
    outcome = ingest_report(pdf, warehouse=warehouse, parquet_dir=parquet_dir, postgres_dsn=postgres_dsn,
                            csv_dir=csv_dir)
    if not outcome.ok:
        raise RuntimeError(outcome.summary())
    return outcome


def schedule(cron: str = SPRING_CRON, timezone: str = TIMEZONE):
    return Cron(cron, timezone=timezone)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m flows.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", default=os.environ.get("ETK_INBOX", "inbox"),
                        help="folder the reports are dropped into (default: $ETK_INBOX or ./inbox)")
    parser.add_argument("--warehouse", default=os.environ.get("ETK_WAREHOUSE"),
                        help="DuckDB file (default: $ETK_WAREHOUSE or warehouse/etk.duckdb)")
    parser.add_argument("--parquet", help="also export Parquet, partitioned by year, to this folder")
    parser.add_argument("--csv", help="also export CSV to this folder")
    parser.add_argument("--postgres", help="also load PostgreSQL (default: $ETK_POSTGRES_DSN at run time)")
    parser.add_argument("--cron", default=SPRING_CRON, help=f"schedule (default: '{SPRING_CRON}')")
    parser.add_argument("--timezone", default=TIMEZONE, help=f"schedule time zone (default: {TIMEZONE})")
    args = parser.parse_args(argv)
    inbox = prepare_inbox(args.folder)
    warehouse = str(Path(args.warehouse).resolve()) if args.warehouse else None
    parameters = {"folder": str(inbox), "warehouse": warehouse,
                  "parquet_dir": args.parquet, "csv_dir": args.csv, "postgres_dsn": args.postgres}
    print(f"inbox: {inbox} ({len(list(inbox.glob('*.pdf')))} PDF now); schedule '{args.cron}' {args.timezone}. "
          f"Keep this process running: the schedule runs only while it does.", file=sys.stderr)
    try:
        ingest_newest.serve(name=DEPLOYMENT, schedules=[schedule(args.cron, args.timezone)],
                            parameters={k: v for k, v in parameters.items() if v is not None},
                            description="Ingest the newest annual report of the inbox folder every spring.",
                            tags=["etk"])
    finally:
        print(f"serve stopped: the deployment 'ingest-newest/{DEPLOYMENT}' is paused and its schedule will "
              f"not run until `python -m flows.serve` runs again (or use a work pool, see prefect.yaml)",
              file=sys.stderr)


if __name__ == "__main__":
    main()
