"""The trend page of a warehouse: what each unit did across the loaded years, the finance, and where it came from.

Steps, each small: `read_associations` (query) → `unit_series` / `result_series`
(pure: frames to chart data) → `charts` (matplotlib, SVG) → `page.render` (HTML).
`write_trend_page` is the entry point the CLI and the ingest flow call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.present.query import Association, read_associations

X_LABEL = "report year"


@dataclass(frozen=True)
class FinanceYear:
    """One year's finance summary read by role (income, expenses, result), as validation reads it."""

    year: int
    income: float | None
    expenses: float | None
    result: float | None
    how: str          # vocabulary, arithmetic, missing, ambiguous, or 'not printed'


@dataclass(frozen=True)
class PageSummary:
    """What was written: for the CLI's line and the flow's link artifact."""

    path: Path
    bytes: int
    charts: int
    associations: int
    years: tuple[int, ...]


def unit_series(assoc: Association) -> list[tuple[str, str, list[Any]]]:
    """[(unit_key, unit name, [Series per key metric with at least one printed value])] for every unit."""
    from pipeline.present.charts import Series

    out = []
    years = tuple(assoc.years)
    by = {key: frame for key, frame in assoc.metrics.groupby(["unit_key", "metric"], sort=False)}
    org = assoc.organization_id or "all"
    for index, (unit_key, unit_name) in enumerate(assoc.units()):
        series = []
        for metric in assoc.key_metrics:
            frame = by.get((unit_key, metric.metric))
            if frame is None:
                continue
            per_year = frame.groupby("report_year")["value"].first()
            values = tuple(None if pd.isna(per_year.get(y)) else float(per_year.get(y)) for y in years)
            if all(v is None for v in values):
                continue  # never printed: no chart rather than an empty one
            series.append(Series(key=f"{org}-u{index}-{metric.metric}", title=metric.title, subject=unit_name,
                                 x_label=X_LABEL, y_label=metric.axis, uom=metric.uom, years=years, values=values))
        out.append((str(unit_key), str(unit_name), series))
    return out


def finance_years(assoc: Association) -> list[FinanceYear]:
    """Income, expenses and result per loaded year, roles found as validation finds them."""
    from pipeline.validate.checks.finance import find_roles
    from pipeline.validate.vocabulary import validation_vocabulary

    vocab = validation_vocabulary()
    out = []
    for year in assoc.years:
        records = assoc.finance[assoc.finance["report_year"] == year].to_dict(orient="records")
        if not records:
            out.append(FinanceYear(year, None, None, None, "not printed"))
            continue
        roles = find_roles(records, vocab)

        def value(role: str) -> float | None:
            index = roles.rows.get(role)
            return None if index is None or pd.isna(records[index]["value"]) else float(records[index]["value"])

        out.append(FinanceYear(year, value("income"), value("expenses"), value("result"), roles.how))
    return out


def result_series(assoc: Association, finance: list[FinanceYear]) -> Any:
    """The result for the year across years, or None when no year has one."""
    from pipeline.present.charts import Series

    if not finance or all(f.result is None for f in finance):
        return None
    subject = assoc.name or "the association"
    return Series(key=f"{assoc.organization_id or 'all'}-result", title="Result for the year", subject=subject,
                  x_label=X_LABEL, y_label="result", uom="€", years=tuple(f.year for f in finance),
                  values=tuple(f.result for f in finance))


def write_trend_page(warehouse: str | Path, html: str | Path, organization: str | None = None,
                     title: str | None = None) -> PageSummary:
    """Read the warehouse, draw every chart, write one self-contained page to `html`.

    Raises EnvironmentProblem (no matplotlib, a locked warehouse) or ReportError (no
    warehouse, nothing loaded, an unknown organisation) with a one-line message.
    """
    from pipeline.present.charts import bar_chart, line_chart, require_matplotlib
    from pipeline.present.page import AssociationSection, render

    require_matplotlib()
    warehouse = Path(warehouse).resolve()
    sections = []
    for assoc in read_associations(warehouse, organization):
        units = [(key, name, [(s, line_chart(s)) for s in series]) for key, name, series in unit_series(assoc)]
        finance = finance_years(assoc)
        result = result_series(assoc, finance)
        sections.append(AssociationSection(assoc, units, finance, (result, bar_chart(result)) if result else None))
    text = render(sections, warehouse, title)
    path = Path(html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    charts = sum(len(charts) for s in sections for _, _, charts in s.units) + sum(1 for s in sections if s.result)
    years = tuple(sorted({y for s in sections for y in s.association.years}))
    return PageSummary(path.resolve(), len(text.encode("utf-8")), charts, len(sections), years)
