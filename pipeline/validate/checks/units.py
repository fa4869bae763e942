"""Per statistics page: the year it prints and how many funding totals it has.

A page without a funding section (and without any euro amount) has no funding total to check: its `funding_totals` is
left empty and `has_funding_section` False, so the check is reported not applicable there.
"""

from __future__ import annotations

import pandas as pd

from pipeline.validate.checks.common import ID_COLUMNS, as_year
from pipeline.validate.vocabulary import ValidationVocabulary


def unit_pages(figures: pd.DataFrame, vocab: ValidationVocabulary) -> pd.DataFrame:
    """One row per statistics page: its printed year and how many funding totals it has."""
    rows = []
    for (report_year, unit, page), group in figures.groupby(["report_year", "unit", "page"], sort=False, dropna=False):
        years = [as_year(y) for y in group["unit_year"].dropna().unique().tolist()]
        odd = [y for y in years if y != as_year(report_year)]  # show the year that disagrees, if any
        funding = group[[vocab.is_funding_section(s) for s in group["section"]]]
        totals = funding[[vocab.says_total(label) for label in funding["label"]]]
        # euro rows outside any funding section mean the section heading was lost, not absent
        has_section = not funding.empty or any(vocab.measure(u) == "euro" for u in group["uom"])
        rows.append({"report_year": report_year, "unit": unit, "page": page, "row": None, "label": None,
                     "unit_year": odd[0] if odd else (years[0] if years else None),
                     "has_funding_section": has_section,
                     "funding_totals": len(totals) if has_section else None,
                     "not_applicable": None if has_section else "the unit prints no funding section"})
    df = pd.DataFrame(rows, columns=ID_COLUMNS + ["unit_year", "has_funding_section", "funding_totals",
                                                  "not_applicable"])
    df["has_funding_section"] = df["has_funding_section"].astype(bool)
    df["funding_totals"] = pd.to_numeric(df["funding_totals"], errors="coerce").astype("float64")
    for col in ("report_year", "unit_year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df
