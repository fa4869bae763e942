"""Per statistics page: the year it prints and how many funding totals it has."""

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
        rows.append({"report_year": report_year, "unit": unit, "page": page, "row": None, "label": None,
                     "unit_year": odd[0] if odd else (years[0] if years else None),
                     "funding_totals": len(totals)})
    df = pd.DataFrame(rows, columns=ID_COLUMNS + ["unit_year", "funding_totals"])
    for col in ("report_year", "unit_year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df
