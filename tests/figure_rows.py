"""The figures of an extraction as plain tuples, the shape the extraction tests compare against."""

from __future__ import annotations

import pandas as pd


def rows(figures: pd.DataFrame, unit: str | None = None) -> list[tuple]:
    """(section, parent, label, value, uom, note) of each figure, missing values as None."""
    if unit is not None:
        figures = figures[figures["unit"] == unit]

    def plain(v):
        return None if pd.isna(v) else v

    return [(plain(r.section), plain(r.parent), r.label, float(r.value), r.uom, plain(r.note))
            for r in figures.itertuples()]
