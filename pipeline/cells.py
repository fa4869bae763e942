"""Reading and showing single table cells, shared by every stage.

Frames carry pd.NA, dict rows may carry NaN, and a person wants `82`, not `82.0`:
these two helpers are the one place that decides how.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def text_or_none(value: Any) -> str | None:
    """A cell as stripped str, or None for NA/NaN/None/empty."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def show_number(value: Any) -> str:
    """82, 1204.02: a number as a person reads it in the report (no exponent for millions)."""
    number = float(value)
    return f"{number:.0f}" if number.is_integer() else f"{number:.2f}"


# OWASP's CSV injection advice: a cell a spreadsheet would read as a formula starts with one of these.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe; others unchanged.

    Why: labels come from the PDF, and `=HYPERLINK(...)` in a report must stay text when
    someone opens the CSV in a spreadsheet. Numbers are not text and are never touched.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text column's cells passed through `neutralise_formula`."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_string_dtype(column.dtype) or column.dtype == object:
            out[name] = column.map(neutralise_formula, na_action="ignore").astype(column.dtype)
    return out
