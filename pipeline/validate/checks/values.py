"""Value ranges: each figure with the kind of its unit of measure (count, euro, occupancy ...)."""

from __future__ import annotations

import pandas as pd

from pipeline.validate.checks.common import ID_COLUMNS
from pipeline.validate.vocabulary import ValidationVocabulary


def figure_values(figures: pd.DataFrame, vocab: ValidationVocabulary) -> pd.DataFrame:
    """Each figure with the kind of its unit of measure, for range and whole-number checks.

    Each rule gets its own column, empty outside the rows it applies to (GX skips empty
    cells), e.g. `count` holds the value of rows in hlö/kpl/krt/...; this is cheaper and
    simpler to read than a row_condition per expectation.
    """
    df = figures.reindex(columns=ID_COLUMNS + ["uom", "value"]).copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    measure = [vocab.measure(uom) or "unknown" for uom in df["uom"]]
    df["measure"] = [
        "occupancy" if kind == "percent" and vocab.is_occupancy(label) else kind
        for kind, label in zip(measure, df["label"])]
    fraction = (df["value"] - df["value"].round()).abs().round(9)
    df["occupancy"] = df["value"].where(df["measure"] == "occupancy")
    df["count"] = df["value"].where(df["measure"] == "count")
    df["count_fraction"] = fraction.where(df["measure"] == "count")
    df["euro"] = df["value"].where(df["measure"] == "euro")
    return df.reset_index(drop=True)
