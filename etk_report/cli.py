"""`etk-report`: a thin command line over the pipeline; heavy imports happen per command."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_VALIDATION_FAILED, ReportError
from pipeline.ingest.record import DEFAULT_WAREHOUSE


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except ReportError as exc:
        print(f"etk-report: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("etk-report: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="etk-report", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="extract every figure into CSV files")
    p.add_argument("report", type=Path, help="annual report PDF")
    p.add_argument("--out", type=Path, required=True, help="folder for figures.csv, finance_summary.csv, municipalities.csv")
    p.set_defaults(command=_extract)

    p = sub.add_parser("validate", help="extract and validate; exit 1 if a critical check fails")
    p.add_argument("report", type=Path)
    p.add_argument("--json", type=Path, help="where to write the full result (default: validation.json beside --out or cwd)")
    p.add_argument("--data-docs", type=Path, metavar="DIR", help="also build Great Expectations Data Docs (HTML) in DIR")
    p.set_defaults(command=_validate)

    p = sub.add_parser("ingest", help="extract, validate and load into the warehouse (Prefect flow)")
    p.add_argument("report", type=Path)
    p.add_argument("--warehouse", type=Path, default=Path(os.environ.get("ETK_WAREHOUSE", DEFAULT_WAREHOUSE)),
                   help=f"DuckDB file (default: $ETK_WAREHOUSE or {DEFAULT_WAREHOUSE})")
    p.add_argument("--parquet", type=Path, metavar="DIR", help="also export every table as Parquet, partitioned by year")
    p.add_argument("--csv", type=Path, metavar="DIR", help="also export every table as CSV")
    p.add_argument("--postgres", metavar="DSN", default=os.environ.get("ETK_POSTGRES_DSN"),
                   help="also load into PostgreSQL (default: $ETK_POSTGRES_DSN)")
    p.set_defaults(command=_ingest)
    return parser


def _extract(args: argparse.Namespace) -> int:
    from pipeline.extract.report import extract_report
    from pipeline.extract.outputs import summary_lines, write_csvs

    extraction = extract_report(args.report)
    written = write_csvs(extraction, args.out)
    print("\n".join(summary_lines(extraction)))
    print(f"wrote {args.out}/" + ", ".join(path.name for path in written))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    import json

    from pipeline.extract.report import extract_report
    from pipeline.validate.run import validate_extraction

    extraction = extract_report(args.report)
    report = validate_extraction(extraction, data_docs_dir=args.data_docs)
    print(report.render_text())
    json_path = args.json or Path(f"{args.report.stem}.validation.json")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"full result: {json_path}")
    return EXIT_OK if report.passed else EXIT_VALIDATION_FAILED


def _ingest(args: argparse.Namespace) -> int:
    from pipeline.extract.pages import scan_pages

    scan_pages(args.report)  # an unreadable file fails here in a fraction of a second, before Prefect starts
    from flows.ingest import run_ingest

    outcome = run_ingest(args.report, warehouse=args.warehouse, parquet_dir=args.parquet,
                         csv_dir=args.csv, postgres_dsn=args.postgres)
    print(outcome.summary(), file=sys.stderr if outcome.exit_code == EXIT_BAD_INPUT else sys.stdout)
    return outcome.exit_code


if __name__ == "__main__":
    sys.exit(main())
