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

from pipeline.model.metrics import (
    MetricRule,
    UnitSpecificRule,
    is_unit_specific,
    match_metric,
    metric_names,
    metric_rules,
    metric_types,
    normalize,
)
from pipeline.model.organization import UNKNOWN, organization_id as organization_slug, printed_name
from pipeline.model.schema import DATA_TABLES, conform, warehouse_specs
from pipeline.model.units import unit_aliases, with_unit_ids

if TYPE_CHECKING:
    from pipeline.extract.report import Extraction

TOTAL_INCOME = "total_income_eur"


@dataclass
class WarehouseTables:
    """One report's rows (an organisation's year) for every data table, conformed to the warehouse schema."""

    report_year: int
    frames: dict[str, pd.DataFrame]
    unmapped_labels: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    organization_id: str = UNKNOWN
    organization: str | None = None          # the name as printed (or as given with --organization)
    coverage: dict[str, int] = field(default_factory=dict)  # figures: mapped, unit_specific, unmapped, total

    def row_counts(self) -> dict[str, int]:
        return {name: len(self.frames[name]) for name in DATA_TABLES if name in self.frames}

    @property
    def report(self) -> str:
        """'lahden-ensi-ja-turvakoti-ry 2022': how every line that names a year names the report."""
        return f"{self.organization_id} {self.report_year}"


def coverage_line(coverage: dict[str, int]) -> str:
    """'metric coverage: 120 mapped, 21 unit-specific, 12 unmapped of 153 figures (92 %)'."""
    total = coverage.get("total", 0)
    known = coverage.get("mapped", 0) + coverage.get("unit_specific", 0)
    share = f" ({100 * known / total:.0f} % mapped or unit-specific)" if total else ""
    return (f"metric coverage: {coverage.get('mapped', 0)} mapped, {coverage.get('unit_specific', 0)} unit-specific, "
            f"{coverage.get('unmapped', 0)} unmapped of {total} figures{share}")


def metric_coverage(figures: pd.DataFrame, rules: tuple[MetricRule, ...] | None = None,
                    specific: tuple[UnitSpecificRule, ...] | None = None) -> dict[str, int]:
    """How many figures map to a metric (funding rows count as mapped: they form the funding table),
    how many are marked unit-specific (`unit_specific_labels.csv`), how many neither."""
    rules = rules if rules is not None else metric_rules()
    if figures.empty:
        return {"mapped": 0, "unit_specific": 0, "unmapped": 0, "total": 0}
    in_funding, _ = _funding_mask(figures, rules)
    mapped = specific_count = 0
    for fig, funding in zip(figures.itertuples(index=False), in_funding):
        if funding or match_metric(rules, fig.label, text_or_none(fig.uom), text_or_none(fig.parent),
                                   text_or_none(fig.section)) is not None:
            mapped += 1
        elif is_unit_specific(str(fig.label), text_or_none(fig.uom), text_or_none(fig.unit), specific):
            specific_count += 1
    return {"mapped": mapped, "unit_specific": specific_count, "unmapped": len(figures) - mapped - specific_count,
            "total": len(figures)}


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
            if not fig.funding_row and not is_unit_specific(str(fig.label), text_or_none(fig.uom),
                                                            text_or_none(fig.unit)):
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


def build_tables(extraction: Extraction, organization: str | None = None,
                 aliases: dict[tuple[str, str], str] | None = None) -> WarehouseTables:
    """Every data table of one extraction, conformed to the warehouse schema and keyed by organisation.

    `organization` (the name, e.g. from `--organization`) overrides the one the report prints;
    `aliases` (default: `unit_aliases.csv`) give renamed units their earlier `unit_id`.
    Other-year figures (`extraction.other_year_figures`, absent = none) load with the report.
    """
    specs = warehouse_specs()
    rules = metric_rules()
    name = printed_name(organization) or printed_name(getattr(extraction, "organization", None))
    org_id = organization_slug(name)
    aliases = aliases if aliases is not None else unit_aliases()
    figures = conform(with_normalized_sections(extraction.figures), specs["figures"])
    municipalities = conform(extraction.municipalities, specs["municipalities"])
    metrics_long, unmapped, warnings = unit_metrics(figures, rules)
    other = getattr(extraction, "other_year_figures", None)
    other = other if isinstance(other, pd.DataFrame) else pd.DataFrame(columns=specs["other_year_figures"].column_names)
    frames = {
        "figures": figures,
        "funding": derive_funding(figures, rules),
        "finance_summary": conform(extraction.finance_summary, specs["finance_summary"]),
        "municipalities": municipalities,
        "unit_metrics": metrics_long,
        "unit_summary": unit_summary(figures, metrics_long, municipalities, rules, warnings),
        "other_year_figures": with_normalized_sections(other),
    }
    year = int(extraction.report_year)
    frames = {table: conform(with_unit_ids(frame, org_id, aliases), specs[table]) for table, frame in frames.items()}
    for table, frame in frames.items():
        other_years = set(frame["report_year"].dropna().astype(int)) - {year}
        if other_years:
            raise ValueError(f"{table}: rows for report years {sorted(other_years)} in the {year} report")
    if name is None:
        warnings.append(f"report year {year}: no association name found on the cover, in a running header or "
                        f"footer or in a signature; loaded as organisation '{UNKNOWN}' (give --organization NAME)")
    return WarehouseTables(year, frames, unmapped, warnings, org_id, name, metric_coverage(figures, rules))
