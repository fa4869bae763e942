"""Per statistics page: the year it prints and whether its unit prints a funding total.

A funding total is found by its *role*, not by the heading above it: a euro row whose label
says total (`Tuotot yhteensä`) with at least one other euro row of the same unit above it
(its parts). A heading that was merged with its note, renamed or lost does not hide it.
A page without any euro amount (and without a funding section) has no funding total to
check: its `funding_totals` is left empty and `has_funding_section` False, so the check is
reported not applicable there.
"""

from __future__ import annotations

import pandas as pd

from pipeline.validate.checks.common import ID_COLUMNS, as_year, num
from pipeline.validate.vocabulary import ValidationVocabulary


def funding_totals(unit_rows: pd.DataFrame, vocab: ValidationVocabulary) -> int:
    """How many funding totals a unit prints: euro rows that say total with a euro part above them
    (in page and row order), or total rows under a funding section heading."""
    ordered = unit_rows.assign(_page=unit_rows["page"].map(num), _row=unit_rows["row"].map(num)) \
        .sort_values(["_page", "_row"], kind="stable")
    found, euro_parts = 0, 0
    for rec in ordered.to_dict("records"):
        is_euro = vocab.measure(rec.get("uom")) == "euro"
        says_total = vocab.says_total(rec.get("label"))
        if says_total and ((is_euro and euro_parts) or vocab.is_funding_section(rec.get("section"))):
            found += 1
        elif is_euro and not says_total:
            euro_parts += 1
    return found


def unit_pages(figures: pd.DataFrame, vocab: ValidationVocabulary) -> pd.DataFrame:
    """One row per statistics page: its printed year and how many funding totals its unit has."""
    totals = {key: funding_totals(group, vocab)
              for key, group in figures.groupby(["report_year", "unit"], sort=False, dropna=False)}
    rows = []
    for (report_year, unit, page), group in figures.groupby(["report_year", "unit", "page"], sort=False, dropna=False):
        years = [as_year(y) for y in group["unit_year"].dropna().unique().tolist()]
        odd = [y for y in years if y != as_year(report_year)]  # show the year that disagrees, if any
        funding = [vocab.is_funding_section(s) for s in group["section"]]
        has_section = any(funding) or any(vocab.measure(u) == "euro" for u in group["uom"])
        rows.append({"report_year": report_year, "unit": unit, "page": page, "row": None, "label": None,
                     "unit_year": odd[0] if odd else (years[0] if years else None),
                     "has_funding_section": has_section,
                     "funding_totals": totals.get((report_year, unit), 0) if has_section else None,
                     "not_applicable": None if has_section else "the unit prints no funding section"})
    df = pd.DataFrame(rows, columns=ID_COLUMNS + ["unit_year", "has_funding_section", "funding_totals",
                                                  "not_applicable"])
    df["has_funding_section"] = df["has_funding_section"].astype(bool)
    df["funding_totals"] = pd.to_numeric(df["funding_totals"], errors="coerce").astype("float64")
    for col in ("report_year", "unit_year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df
