"""Helpers several warehouse tests share: snapshots of every data table, a year relabelled."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.load.derive import WarehouseTables
from pipeline.load.schema import DATA_TABLES


def snapshot(read_table: Callable[[str], pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every data table, read with `read_table(name)`: compare two to show nothing changed."""
    return {name: read_table(name) for name in DATA_TABLES}


def assert_same_tables(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], check_dtype=False, obj=name)


def as_year(tables: WarehouseTables, year: int) -> WarehouseTables:
    """The same report's rows, relabelled as another report year."""
    frames = {}
    for name, frame in tables.frames.items():
        frame = frame.copy()
        frame["report_year"] = year
        if "unit_year" in frame:
            frame["unit_year"] = year
        frames[name] = frame
    return WarehouseTables(year, frames, list(tables.unmapped_labels), list(tables.warnings),
                           tables.organization_id, tables.organization, dict(tables.coverage))
