"""What every check table shares: cell readers, the comparison columns, the finishing step."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from pipeline.cells import show_number, text_or_none
from pipeline.extract.output.tables import columns as contract_columns

# Comparison tables carry these, so a failure reads the same whatever the check.
ID_COLUMNS = ["report_year", "unit", "page", "row", "label"]
COMPARE_COLUMNS = ["expected", "found", "expected_cents", "found_cents", "detail"]

__all__ = ["ID_COLUMNS", "COMPARE_COLUMNS", "cents", "conform", "finish", "num", "same", "show_number",
           "text_or_none", "as_year"]


def num(value: Any) -> float:
    """A cell as float, NaN when empty or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def as_year(value: Any) -> int | None:
    number = num(value)
    return None if math.isnan(number) else int(number)


def same(a: Any, b: Any) -> bool:
    ta, tb = text_or_none(a), text_or_none(b)
    return ta is not None and tb is not None and ta.casefold() == tb.casefold()


def cents(values: pd.Series) -> pd.Series:
    """Amounts rounded to whole cents (float, NaN kept): equal money compares equal."""
    return (pd.to_numeric(values, errors="coerce").astype("float64") * 100).round()


def finish(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for col in ("expected", "found", "n_parts"):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    if "expected" in df:
        df["expected_cents"] = cents(df["expected"])
        df["found_cents"] = cents(df["found"])
    return df.reset_index(drop=True)


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """The frame with every contract column (missing ones empty), so a lost column shows
    up as a failed contract expectation rather than a crash while deriving checks."""
    missing = [c for c in contract_columns(table) if c not in df.columns]
    return df.reindex(columns=[*df.columns, *missing]) if missing else df
