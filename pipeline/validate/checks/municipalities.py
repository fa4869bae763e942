"""The printed number of client municipalities against the names listed, per unit.

A unit that prints a count but lists no names has nothing to count against: its row is
not applicable (`has_list` False, `found` empty), never a failure. Unless a list *was*
printed: a list prefix (`Kunnat:`) in the unit's text cells or in an extraction issue of the
unit (a line seen but not parsed) with no name read is a loss, `list_lost`: the critical
check `municipality_list_read` fails with "list on page N not read".
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, as_year, finish, num, text_or_none
from pipeline.validate.vocabulary import ValidationVocabulary


def printed_lists(figures: pd.DataFrame, issues: pd.DataFrame | None,
                  vocab: ValidationVocabulary) -> dict[tuple, tuple[Any, str]]:
    """(year, unit) -> (page, text) of the first text that shows a municipality list was printed."""
    shown: dict[tuple, tuple[Any, str]] = {}
    sources = [(figures, ("section", "parent", "label", "note"))]
    if issues is not None and not issues.empty:
        sources.append((issues, ("text",)))
    for frame, columns in sources:
        for rec in frame.to_dict("records"):
            key = (as_year(rec.get("report_year")), text_or_none(rec.get("unit")))
            for col in columns:
                text = text_or_none(rec.get(col))
                if key[1] is not None and key not in shown and vocab.shows_list(text):
                    shown[key] = (rec.get("page"), text)
    return shown


def municipality_counts(figures: pd.DataFrame, municipalities: pd.DataFrame,
                        vocab: ValidationVocabulary, issues: pd.DataFrame | None = None) -> pd.DataFrame:
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
    shown = printed_lists(figures, issues, vocab)
    rows = []
    for key in list(dict.fromkeys([*counted, *listed, *shown])):
        rec = counted.get(key, {})
        names = listed.get(key, [])
        lost = not names and key in shown
        page = shown[key][0] if lost else rec.get("page", pages.get(key))
        rows.append({"report_year": key[0], "unit": key[1], "page": page,
                     "row": rec.get("row"), "label": rec.get("label"),
                     "has_list": bool(names), "list_lost": lost,
                     "list_read": None if lost else True,
                     "not_applicable": None if names else (
                         "its printed list was not read (municipality_list_read failed)" if lost
                         else "the unit prints a count but lists no municipalities"),
                     "expected": num(rec.get("value")), "found": len(names) if names else None,
                     "detail": (f"list on page {_page(page)} not read: '{shown[key][1][:80]}' gave no names" if lost
                                else f"{len(names)} listed: {', '.join(names)}" if names else "none listed")})
    df = finish(rows, ID_COLUMNS + ["has_list", "list_lost", "list_read", "not_applicable"] + COMPARE_COLUMNS)
    df["has_list"] = df["has_list"].astype(bool)
    df["list_lost"] = df["list_lost"].astype(bool)
    df["list_read"] = df["list_read"].astype(object)
    return df


def _page(page: Any) -> str:
    number = num(page)
    return "?" if number != number else str(int(number))
