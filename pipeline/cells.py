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
