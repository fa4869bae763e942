"""Build the report's tables as DataFrames whose columns follow `data/tables.json`."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache

import pandas as pd

from pipeline.data import load_json

# pandas dtype of each column type the schema files use (also used by `pipeline.model.schema`).
PANDAS_DTYPES = {"int": "Int64", "float": "float64", "str": "string", "bool": "boolean",
                 "timestamp": "datetime64[us]"}


@lru_cache(maxsize=1)
def table_specs() -> dict[str, dict]:
    return {name: spec for name, spec in load_json("tables.json").items() if not name.startswith("_")}


def columns(table: str) -> list[str]:
    return list(table_specs()[table]["columns"])


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A DataFrame of `rows` with exactly the table's columns, in order, with its dtypes."""
    spec = table_specs()[table]["columns"]
    df = pd.DataFrame(rows, columns=list(spec))
    return df.astype({name: PANDAS_DTYPES[col["type"]] for name, col in spec.items()})


def figures_frame(report_year: int, figures: list, table: str = "figures") -> pd.DataFrame:
    """`figures` (or `other_year_figures`, the same columns) numbered by page and unit."""
    rows = []
    for fig in figures:
        row = asdict(fig)
        row["report_year"] = report_year
        rows.append(row)
    df = frame(table, rows)
    df["row"] = df.groupby(["page", "unit"], sort=False).cumcount().astype("Int64") + 1
    return df
