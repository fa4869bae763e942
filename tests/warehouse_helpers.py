"""Helpers several warehouse tests share: snapshots of every data table, a year relabelled."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from pipeline.model.derive import WarehouseTables
from pipeline.model.schema import DATA_TABLES


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


# --- a warehouse as it was before organisations (issue 22) ------------------------------------

LEGACY_TABLES = ("figures", "funding", "finance_summary", "municipalities", "unit_metrics", "unit_summary")
NEW_COLUMNS = ("organization_id", "unit_id", "organization")


def legacy_statements(dialect: str, qualify: Callable[[str], str]) -> list[str]:
    """CREATE TABLE statements of the schema before issue 22: keyed by report_year, no organisation or unit id."""
    from pipeline.model.schema import LOG_TABLE, TableSpec, create_table_sql, warehouse_specs

    out = []
    for name in (*LEGACY_TABLES, LOG_TABLE):
        spec = warehouse_specs()[name]
        old = TableSpec(name, spec.description, tuple(k for k in spec.key if k not in NEW_COLUMNS),
                        tuple(c for c in spec.columns if c.name not in NEW_COLUMNS))
        out.append(create_table_sql(old, dialect, qualify(name)))
    return out


def legacy_frames(tables: WarehouseTables) -> dict[str, pd.DataFrame]:
    """The report's rows without the columns issue 22 added, per pre-change table."""
    return {name: tables.frames[name].drop(columns=[c for c in NEW_COLUMNS if c in tables.frames[name]])
            for name in LEGACY_TABLES}
