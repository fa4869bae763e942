"""The printed number of client municipalities against the names listed, per unit.

A unit that prints a count but lists no names has nothing to count against: its row is
not applicable (`has_list` False, `found` empty), never a failure.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, as_year, finish, num, text_or_none
from pipeline.validate.vocabulary import ValidationVocabulary


def municipality_counts(figures: pd.DataFrame, municipalities: pd.DataFrame,
                        vocab: ValidationVocabulary) -> pd.DataFrame:
    """Per unit: the printed number of client municipalities against the names listed."""
    listed: dict[tuple, list[str]] = {}
    pages: dict[tuple, Any] = {}
    for rec in municipalities.to_dict("records"):
        key = (as_year(rec.get("report_year")), text_or_none(rec.get("unit")))
        listed.setdefault(key, [])
        name = text_or_none(rec.get("municipality"))
        if name is not None and name not in listed[key]:
            listed[key].append(name)
        pages.setdefault(key, rec.get("page"))
    counted = {}
    for rec in figures.to_dict("records"):
        key = (as_year(rec.get("report_year")), text_or_none(rec.get("unit")))
        if vocab.is_municipality_count(rec.get("label")) and key not in counted:
            counted[key] = rec
    rows = []
    for key in list(dict.fromkeys([*counted, *listed])):
        rec = counted.get(key, {})
        names = listed.get(key, [])
        rows.append({"report_year": key[0], "unit": key[1], "page": rec.get("page", pages.get(key)),
                     "row": rec.get("row"), "label": rec.get("label"),
                     "has_list": bool(names),
                     "not_applicable": None if names else "the unit prints a count but lists no municipalities",
                     "expected": num(rec.get("value")), "found": len(names) if names else None,
                     "detail": f"{len(names)} listed: {', '.join(names)}" if names else "none listed"})
    df = finish(rows, ID_COLUMNS + ["has_list", "not_applicable"] + COMPARE_COLUMNS)
    df["has_list"] = df["has_list"].astype(bool)
    return df
