"""Write an extraction's tables as UTF-8 CSV files, one per table."""

from __future__ import annotations

from pathlib import Path

from pipeline.cells import csv_safe
from pipeline.extract.report import Extraction

CSV_TABLES = ("figures", "finance_summary", "municipalities")
OTHER_YEARS_CSV = "other_years.csv"  # `Extraction.other_year_figures`: values of other years than the report's


def write_csvs(extraction: Extraction, out_dir: Path) -> list[Path]:
    """One CSV per table; text cells a spreadsheet would run as formulas are neutralised (`csv_safe`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CSV_TABLES:
        path = out_dir / f"{name}.csv"
        csv_safe(getattr(extraction, name)).to_csv(path, index=False, encoding="utf-8")  # no formulas
        written.append(path)
    path = out_dir / OTHER_YEARS_CSV
    csv_safe(extraction.other_year_figures).to_csv(path, index=False, encoding="utf-8")
    written.append(path)
    path = out_dir / "unclaimed.csv"
    issues = extraction.extraction_issues
    csv_safe(issues[issues["kind"] == "unclaimed_number"]).to_csv(path, index=False, encoding="utf-8")
    written.append(path)
    return written


def summary_lines(extraction: Extraction) -> list[str]:
    """What a person wants to see after an extraction: units, figures per unit, gaps."""
    fig = extraction.figures
    organization = getattr(extraction, "organization", None)
    of = f" of {organization}" if organization else ""
    lines = [f"{extraction.source.name}: report year {extraction.report_year}{of}, {extraction.page_count} pages, "
             f"{fig['unit'].nunique()} units, {len(fig)} figures, "
             f"{len(extraction.finance_summary)} finance rows, {len(extraction.municipalities)} municipalities, "
             f"{len(extraction.other_year_figures)} other-year values"]
    for (unit, page), group in fig.groupby(["unit", "page"], sort=False):
        lines.append(f"  p.{page:<3} {unit}: {len(group)} figures")
    for warning in extraction.warnings:
        lines.append(f"warning: {warning}")
    return lines
