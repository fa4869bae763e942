"""Tables the warehouse derives from an extraction: funding, unit_metrics, unit_summary.

Pure functions of DataFrames (no I/O), so the same code feeds DuckDB,
PostgreSQL, the exports and the flow artifacts, and is tested without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.cells import text_or_none
from pipeline.data import load_json

from pipeline.load.metrics import MetricRule, normalize, match_metric, metric_names, metric_rules, metric_types
from pipeline.load.schema import DATA_TABLES, conform, warehouse_specs

if TYPE_CHECKING:
    from pipeline.extract.report import Extraction

TOTAL_INCOME = "total_income_eur"


@dataclass
class WarehouseTables:
    """One report year's rows for every data table, conformed to the warehouse schema."""

    report_year: int
    frames: dict[str, pd.DataFrame]
    unmapped_labels: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def row_counts(self) -> dict[str, int]:
        return {name: len(self.frames[name]) for name in DATA_TABLES}


@lru_cache(maxsize=1)
def funding_sections() -> frozenset[str]:
    """The funding section's names, from the one file that holds them (validation reads it too)."""
    return frozenset(normalize(name).rstrip(":").strip()
                     for name in load_json("validation_vocabulary.json")["funding_sections"]["names"])


def _in_funding_section(section: object) -> bool:
    return normalize(text_or_none(section) or "").rstrip(":").strip() in funding_sections()


def normalize_section(printed: object) -> str | None:
    """A section heading without its trailing colon and with single spaces: 'Ryhmätoiminta:' -> 'Ryhmätoiminta'.

    Why: the same heading is printed with and without a colon on different pages, and an
    analyst grouping by section must not see two groups.
    """
    text = text_or_none(printed)
    if text is None:
        return None
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip() or None


def with_normalized_sections(figures: pd.DataFrame) -> pd.DataFrame:
    """`section` normalised, the printed heading kept in `section_printed`."""
    if "section" not in figures.columns:
        return figures
    printed = figures["section"]
    return figures.assign(section_printed=printed, section=printed.map(normalize_section))


def _funding_mask(figures: pd.DataFrame, rules: tuple[MetricRule, ...]) -> tuple[pd.Series, pd.Series]:
    """(row is in a funding section and in euros, row is the funding total)."""
    totals = tuple(r for r in rules if r.metric == TOTAL_INCOME)
    in_section, is_total = [], []
    for fig in figures.itertuples(index=False):
        euros = normalize(text_or_none(fig.uom) or "") == "€"
        funding = euros and _in_funding_section(fig.section)
        in_section.append(funding)
        is_total.append(funding and match_metric(totals, fig.label, text_or_none(fig.uom), text_or_none(fig.parent),
                                                 text_or_none(fig.section)) is not None)
    return (pd.Series(in_section, index=figures.index, dtype=bool),
            pd.Series(is_total, index=figures.index, dtype=bool))


def derive_funding(figures: pd.DataFrame, rules: tuple[MetricRule, ...] | None = None) -> pd.DataFrame:
    """Rows of the funding section (where the income total is) except the total row itself."""
    rules = rules if rules is not None else metric_rules()
    spec = warehouse_specs()["funding"]
    if figures.empty:
        return conform(pd.DataFrame(columns=spec.column_names), spec)
    in_section, is_total = _funding_mask(figures, rules)
    rows = figures[in_section & ~is_total]
    out = pd.DataFrame({"report_year": rows["report_year"], "unit": rows["unit"], "source": rows["label"],
                        "amount_eur": rows["value"], "page": rows["page"]})
    return conform(out, spec)


def unit_metrics(figures: pd.DataFrame, rules: tuple[MetricRule, ...] | None = None,
                 ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(mapped figures in long form, distinct unmapped labels, warnings).

    Funding rows other than the total are not 'unmapped': they form the funding table.
    When two rows of a unit map to the same metric the first printed one wins and
    the other is reported, so a vocabulary rule that is too broad shows up.
    """
    rules = rules if rules is not None else metric_rules()
    spec = warehouse_specs()["unit_metrics"]
    if figures.empty:
        return conform(pd.DataFrame(columns=spec.column_names), spec), [], []
    in_funding, is_total = _funding_mask(figures, rules)
    rows, unmapped, warnings = [], [], []
    seen: dict[tuple, str] = {}
    ordered = figures.assign(funding_row=in_funding & ~is_total).sort_values(["page", "row"], kind="stable")
    for fig in ordered.itertuples(index=False):
        metric = match_metric(rules, fig.label, text_or_none(fig.uom), text_or_none(fig.parent), text_or_none(fig.section))
        if metric == TOTAL_INCOME and not _in_funding_section(fig.section):
            metric = None  # the income total is the one of the funding section
        if metric is None:
            if not fig.funding_row:
                unmapped.append(str(fig.label))
            continue
        key = (fig.report_year, fig.unit, metric)
        if key in seen:
            warnings.append(f"{fig.unit}: '{fig.label}' (p.{fig.page}) also maps to {metric}; "
                            f"kept '{seen[key]}'")
            continue
        seen[key] = str(fig.label)
        rows.append({"report_year": fig.report_year, "unit": fig.unit,
                     "metric": metric, "value": fig.value, "uom": fig.uom, "label": fig.label,
                     "page": fig.page, "row": fig.row})
    frame = pd.DataFrame(rows, columns=spec.column_names)
    return conform(frame, spec), list(dict.fromkeys(unmapped)), warnings


def unit_summary(figures: pd.DataFrame, metrics_long: pd.DataFrame,
                 municipalities: pd.DataFrame | None = None,
                 rules: tuple[MetricRule, ...] | None = None,
                 warnings: list[str] | None = None) -> pd.DataFrame:
    """One row per unit and report year, one column per metric: NULL when not printed, 0 when printed 0.

    Count metrics are integers; a count printed with a fraction is NULL here and named in
    `warnings` (validation fails such a report anyway: counts must be whole).
    `municipalities_listed` is NULL for a unit that lists no municipalities.
    """
    rules = rules if rules is not None else metric_rules()
    spec = warehouse_specs()["unit_summary"]
    if figures.empty:
        return conform(pd.DataFrame(columns=spec.column_names), spec)
    keys = ["report_year", "unit"]
    base = figures.groupby(keys, sort=False, dropna=False).agg(page=("page", "min")).reset_index()
    if not metrics_long.empty:
        wide = metrics_long.pivot_table(index=keys, columns="metric", values="value", aggfunc="first")
        base = base.merge(wide.reset_index(), on=keys, how="left")
    for name in metric_names(rules):
        if name not in base.columns:
            base[name] = float("nan")
    if municipalities is not None and not municipalities.empty:
        listed = municipalities.groupby(keys).size().rename("municipalities_listed").reset_index()
        base = base.merge(listed, on=keys, how="left")
    else:
        base["municipalities_listed"] = pd.NA
    _blank_fractional_counts(base, metric_types(rules), warnings if warnings is not None else [])
    return conform(base, spec)


def _blank_fractional_counts(base: pd.DataFrame, types: dict[str, str], warnings: list[str]) -> None:
    """Set count cells that are not whole numbers to NULL, naming each in `warnings`."""
    for metric, kind in types.items():
        if kind != "int" or metric not in base.columns:
            continue
        values = pd.to_numeric(base[metric], errors="coerce")
        fractional = values.notna() & (values != values.round())
        for row in base[fractional].itertuples(index=False):
            warnings.append(f"{row.unit}: {metric} {getattr(row, metric)} is not a whole number; "
                            f"left empty in unit_summary (p.{row.page})")
        base.loc[fractional, metric] = float("nan")


def build_tables(extraction: Extraction) -> WarehouseTables:
    """Every data table of one extraction, conformed to the warehouse schema."""
    specs = warehouse_specs()
    rules = metric_rules()
    figures = conform(with_normalized_sections(extraction.figures), specs["figures"])
    municipalities = conform(extraction.municipalities, specs["municipalities"])
    metrics_long, unmapped, warnings = unit_metrics(figures, rules)
    frames = {
        "figures": figures,
        "funding": derive_funding(figures, rules),
        "finance_summary": conform(extraction.finance_summary, specs["finance_summary"]),
        "municipalities": municipalities,
        "unit_metrics": metrics_long,
        "unit_summary": unit_summary(figures, metrics_long, municipalities, rules, warnings),
    }
    year = int(extraction.report_year)
    for name, frame in frames.items():
        other = set(frame["report_year"].dropna().astype(int)) - {year}
        if other:
            raise ValueError(f"{name}: rows for report years {sorted(other)} in the {year} report")
    return WarehouseTables(year, frames, unmapped, warnings)
