"""The trend page's HTML: inline CSS and inline SVG, no script, nothing fetched.

Pure assembly: charts arrive drawn, frames arrive read; every number goes through
`finnish`, every text from the warehouse (which came from a PDF) through `html.escape`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.html_page import cell, page, table
from pipeline.present import finnish
from pipeline.present.query import Association, validation_summary

STYLE = """
body{margin:1.5rem 2rem;max-width:84rem}
h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}h4{font-size:.95rem;margin:1rem 0 .3rem}
.small{font-size:.85rem}
.charts{display:flex;flex-wrap:wrap;gap:.8rem 1.2rem}
figure.chart{margin:0;width:16.5rem}figure.chart svg{width:100%;height:auto;display:block}
figure.chart figcaption{font-size:.78rem;color:#57606a;margin-top:.15rem}
table{font-size:.88rem;margin:.4rem 0 1rem}th,td{padding:.25rem .5rem}td.num{font-variant-numeric:tabular-nums}
code{font-size:.8rem;word-break:break-all}
.status.loaded{color:#1a7f37}.status.failed_validation,.status.error{color:#cf222e}
"""  # added to the shell's BASE_STYLE (pipeline/html_page.py)


@dataclass
class AssociationSection:
    """One organisation's part of the page, charts already drawn."""

    association: Association
    units: list[tuple[str, str, list[tuple[Any, str]]]]   # (unit_key, name, [(Series, svg)])
    finance: list[Any]                                   # trend.FinanceYear per loaded year
    result: tuple[Any, str] | None                       # (Series, svg) of the result across years


def _td(value: Any, cls: str | None = None) -> str:
    return cell(None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value), cls)


def _figure(series: Any, svg: str) -> str:
    caption = " · ".join(f"{y}: {finnish.by_unit(v, series.uom) if v is not None else 'not printed'}"
                         for y, v in zip(series.years, series.values))
    missing = " ".join(str(y) for y in series.missing_years)
    return (f'<figure class="chart" data-series="{escape(series.key)}" data-subject="{escape(series.subject)}" '
            f'data-title="{escape(series.title)}" data-missing-years="{missing}">{svg}'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _units(section: AssociationSection) -> str:
    parts = []
    for _key, name, charts in section.units:
        parts.append(f'<h3 class="unit">{escape(name)}</h3>')
        if charts:
            parts.append('<div class="charts">' + "\n".join(_figure(s, svg) for s, svg in charts) + "</div>")
        else:
            parts.append('<p class="muted small">None of the key metrics is printed for this unit in any year.</p>')
    return "\n".join(parts) or '<p class="muted">No unit loaded.</p>'


def _finance(section: AssociationSection) -> str:
    assoc = section.association
    parts = []
    if not assoc.finance.empty:
        latest = int(assoc.finance["report_year"].max())
        rows = [("<tr>" + _td(r["label"]) + _td(finnish.euro(r["value"]), "num") + _td(r.get("page"), "num") + "</tr>")
                for r in assoc.finance[assoc.finance["report_year"] == latest].to_dict(orient="records")]
        parts.append(f"<h3>Finance summary {latest}</h3>" + table(("row as printed", "amount", "page"), rows))
    else:
        parts.append('<p class="muted">No finance summary loaded.</p>')
    if section.result:
        series, svg = section.result
        parts.append("<h3>Result across years</h3>" + '<div class="charts">' + _figure(series, svg) + "</div>")
    rows = [("<tr>" + _td(f.year) + _td(finnish.euro(f.income), "num") + _td(finnish.euro(f.expenses), "num")
             + _td(finnish.euro(f.result), "num") + _td(f.how, "muted") + "</tr>") for f in section.finance]
    if rows:
        parts.append(table(("year", "income", "expenses", "result", "rows found by"), rows))
    return "\n".join(parts)


def _failures_table(summary: dict[str, Any]) -> str:
    rows = summary.get("failure_rows")
    if rows:
        body = [("<tr>" + f'<td class="status {"failed" if r.get("severity") == "critical" else "warning"}">'
                 f'{escape(str(r.get("severity") or ""))}</td>' + _td(r.get("check")) + _td(r.get("unit"))
                 + _td(r.get("page"), "num") + _td(r.get("label")) + _td(r.get("expected")) + _td(r.get("found"))
                 + "</tr>") for r in rows]
        return table(("severity", "check", "unit", "page", "label", "expected", "found"), body)
    lines = summary.get("failures") or []
    if lines:
        return "<ul>" + "".join(f"<li><code>{escape(str(line))}</code></li>" for line in lines) + "</ul>"
    return ""


def _restatements(assoc: Association, year: int) -> str:
    frame = assoc.restatements
    if frame is None:
        return ""
    if "differs" in frame.columns:  # the view lists every other-year value; a restatement is one that differs
        frame = frame[frame["differs"].fillna(False).astype(bool)].drop(columns="differs")
    printed_in = "printed_in" if "printed_in" in frame.columns else "report_year"
    if printed_in in frame.columns:  # under the year of the report that printed them
        frame = frame[frame[printed_in] == year]
    if frame.empty:
        return '<p class="muted small">No restatement: no value printed for another year differs from the one loaded.</p>'
    columns = [c for c in frame.columns if c != "organization_id"]
    rows = ["<tr>" + "".join(_td(_cell(row[c]), "num" if isinstance(row[c], (int, float)) else None)
                             for c in columns) + "</tr>" for row in frame.to_dict(orient="records")]
    return "<h4>Restatements</h4>" + table(columns, rows)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and not pd.isna(value):
        return finnish.count(value)
    return value


def _validation(assoc: Association) -> str:
    years = sorted({int(y) for y in assoc.ingestions["report_year"].dropna()} | set(assoc.years))
    parts = []
    if assoc.restatements is None:
        parts.append('<p class="muted small">This warehouse has no <code>restatements</code> view '
                     "(printed values of other years are not compared here).</p>")
    for year in years:
        loaded = assoc.loaded_ingestion(year)
        summary = validation_summary(loaded)
        if loaded is None:
            status = '<span class="status failed">not loaded</span>'
        else:
            passed = summary.get("passed", loaded.get("validation_passed"))
            status = (f'<span class="status {"passed" if passed else "failed"}">validation '
                      f'{"passed" if passed else "failed"}</span>, '
                      f'{summary.get("critical_failures", loaded.get("critical_failures")) or 0} critical failure(s), '
                      f'{summary.get("warnings", 0)} warning(s), {summary.get("checks_run") or "?"} checks run; '
                      f'loaded from {escape(str(loaded.get("file_name")))}')
        parts.append(f'<h3 class="year">{year}</h3><p>{status}</p>')
        parts.append(_failures_table(summary))
        others = assoc.attempts(year)
        refused = others[others["status"] != "loaded"] if "status" in others else others.iloc[0:0]
        if not refused.empty:
            rows = [("<tr>" + _td(r.get("file_name")) + f'<td class="status {escape(str(r.get("status")))}">'
                     f'{escape(str(r.get("status")))}</td>' + _td(_when(r.get("finished_at"))) + _td(r.get("message"))
                     + "</tr>") for r in refused.to_dict(orient="records")]
            parts.append("<h4>Attempts not loaded</h4>" + table(("file", "status", "at", "why"), rows))
        parts.append(_restatements(assoc, year))
    return "\n".join(p for p in parts if p)


def _when(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d %H:%M:%S") + " UTC"


def _sources(assoc: Association, year: int) -> str:
    frame = assoc.sources[assoc.sources["report_year"] == year]
    if frame.empty:
        return ""
    names = {"text": "text layer", "ocr": "OCR"}
    return ", ".join(f"{names.get(str(r['source']), r['source'])} {finnish.count(r['figures'])}"
                     for r in frame.to_dict(orient="records"))


def _lineage(assoc: Association) -> str:
    rows = []
    for year in assoc.years:
        loaded = assoc.loaded_ingestion(year) or {}
        cached = loaded.get("extract_cached")
        rows.append("<tr>" + _td(year) + _td(loaded.get("file_name")) + f"<td><code>{escape(str(loaded.get('sha256') or ''))}</code></td>"
                    + _td(_when(loaded.get("finished_at"))) + _td(_sources(assoc, year))
                    + _td("" if cached is None or pd.isna(cached) else ("cache" if cached else "new")) + "</tr>")
    return table(("year", "file", "SHA-256", "ingested at", "figures by extraction source", "extraction"), rows)


def _section(section: AssociationSection, several: bool) -> str:
    assoc = section.association
    years = ", ".join(str(y) for y in assoc.years)
    head = (f'<h2 class="association">{escape(assoc.name or assoc.organization_id or "")}</h2>'
            f'<p class="muted small">organization_id <code>{escape(assoc.organization_id or "")}</code></p>'
            if several or assoc.organization_id else "")
    return (f'<section class="association" data-organization="{escape(assoc.organization_id or "")}">{head}'
            f'<h2>Units: key metrics by year</h2><p class="muted small">Years loaded: {escape(years)}. '
            f"A grey band marked “not printed” is a year in which the unit printed no such figure: a gap, not a zero.</p>"
            f"{_units(section)}<h2>Finance</h2>{_finance(section)}"
            f"<h2>Validation by year</h2>{_validation(assoc)}<h2>Lineage</h2>{_lineage(assoc)}</section>")


def render(sections: list[AssociationSection], warehouse: Path, title: str | None = None) -> str:
    """The whole page; nothing in it refers to another file or host."""
    title = title or "Annual reports: trends by unit"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(_section(s, len(sections) > 1) for s in sections)
    intro = (f'<p class="muted small">From the warehouse <code>{escape(str(warehouse))}</code>, written {now}. '
             "Numbers in Finnish style; amounts in euros.</p>")
    return page(title, f"{intro}\n{body}", STYLE)
