"""What the Prefect UI shows after an ingest, shaped to be read in its panel (Prefect-free, so tested plainly).

Why tables and not the text report in a code block: a code block's long lines are cut
at the panel's right edge, and a table wraps. The unit summary keeps only the key metrics
(`data/trend_page.json`) under short headers, numbers in Finnish style, so it fits too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.present import finnish
from pipeline.present.query import key_metrics

VALIDATION_COLUMNS = ("", "check", "unit", "page", "expected", "found")


def _md(value: Any) -> str:
    """A markdown table cell: no line breaks, pipes escaped, empty for None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ").strip()


def validation_markdown(file_name: str, report_year: int | None, status: str, validation: dict[str, Any] | None,
                        warnings: list[str] | None = None) -> str:
    """Header lines, then every failure as a table row (check, unit, page, expected, found); no code block."""
    v = validation or {}
    lines = [f"# Validation of {_md(file_name)}", "",
             f"- report year: {report_year if report_year is not None else '?'}",
             f"- status: **{status}**",
             f"- critical failures: {v.get('critical_failures', '?')}, warnings: {v.get('warnings', '?')}, "
             f"checks run: {v.get('checks_run') or '?'}", ""]
    rows = v.get("failure_rows")
    if rows:
        lines += ["| " + " | ".join(VALIDATION_COLUMNS) + " |", "|" + "---|" * len(VALIDATION_COLUMNS)]
        for r in rows:
            level = "**critical**" if r.get("severity") == "critical" else "warning"
            unit = " · ".join(_md(x) for x in (r.get("unit"), r.get("label")) if x)
            lines.append("| " + " | ".join((level, _md(r.get("check")), unit, _md(r.get("page")),
                                            _md(r.get("expected")), _md(r.get("found")))) + " |")
        shown, total = len(rows), int(v.get("critical_failures") or 0) + int(v.get("warnings") or 0)
        if total > shown:
            lines += ["", f"... {total - shown} more in the validation JSON (`etk-report validate --json`)."]
    elif v.get("failures"):  # a summary from before failure_rows: its lines, as a list
        lines += [f"- {_md(line)}" for line in v["failures"]]
    elif validation is not None:
        lines.append("No check failed.")
    if warnings:
        lines += ["", "## Extraction warnings", ""] + [f"- {_md(w)}" for w in warnings]
    return "\n".join(lines) + "\n"


def unit_summary_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """The unit summary narrowed to the unit and its key metrics, short headers, numbers formatted."""
    metrics = [k for k in key_metrics() if k.metric in frame.columns and frame[k.metric].notna().any()]
    rows = []
    for record in frame.to_dict(orient="records"):
        row = {"unit": str(record.get("unit") or "")}
        for k in metrics:
            row[k.short] = finnish.by_unit(record.get(k.metric), k.uom)
        rows.append(row)
    return rows
