"""Warehouse table schemas, read from data files, and the DDL both databases get from them.

Why data: a new column is an edit in `data/tables.json` (extraction contracts),
`data/warehouse.json` (warehouse-only tables) or `data/metrics.csv` (one
unit_summary column per metric), and DuckDB, PostgreSQL and the exports follow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from pipeline.load.metrics import metric_names, metric_types
from pipeline.extract.output.tables import PANDAS_DTYPES, table_specs
from pipeline.data import load_json

# Tables holding one report year each: reloaded together, atomically, per year.
DATA_TABLES: tuple[str, ...] = (
    "figures", "funding", "finance_summary", "municipalities", "unit_metrics", "unit_summary",
)
LOG_TABLE = "ingestions"

_SQL = {
    "duckdb": {"int": "BIGINT", "float": "DOUBLE", "str": "VARCHAR", "bool": "BOOLEAN",
               "timestamp": "TIMESTAMP"},
    "postgres": {"int": "BIGINT", "float": "DOUBLE PRECISION", "str": "TEXT", "bool": "BOOLEAN",
                 "timestamp": "TIMESTAMPTZ"},
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _spec(name: str, raw: dict, extra: tuple[Column, ...] = ()) -> TableSpec:
    """A TableSpec from the JSON format of tables.json; key columns are NOT NULL, others nullable."""
    key = raw.get("key", [])
    cols = [Column(cname, c["type"], bool(c.get("nullable", cname not in key)), c.get("doc", ""))
            for cname, c in raw["columns"].items()]
    return TableSpec(name, raw.get("description", ""), tuple(key), tuple(cols) + extra)


@lru_cache(maxsize=1)
def warehouse_specs() -> dict[str, TableSpec]:
    """Every warehouse table: data tables in load order, then the ingestion log."""
    contracts = table_specs()
    raw = load_json("warehouse.json")
    local = {k: v for k, v in raw.items() if not k.startswith("_")}
    specs = {name: _spec(name, contracts.get(name) or local[name], _extra_columns(raw, name)) for name in DATA_TABLES}
    # unit_summary: one column per metric, typed by its unit of measure, between the
    # identifying columns and municipalities_listed
    base = specs["unit_summary"]
    head = tuple(c for c in base.columns if c.name != "municipalities_listed")
    tail = tuple(c for c in base.columns if c.name == "municipalities_listed")
    types = metric_types()
    metrics = tuple(Column(m, types[m], True, "from metrics.csv") for m in metric_names())
    specs["unit_summary"] = TableSpec(base.name, base.description, base.key, head + metrics + tail)
    counts = tuple(Column(f"rows_{t}", "int", True, f"rows of {t} in this report") for t in DATA_TABLES)
    specs[LOG_TABLE] = _spec(LOG_TABLE, local[LOG_TABLE], counts)
    return specs


def _extra_columns(raw: dict, table: str) -> tuple[Column, ...]:
    """Warehouse-only columns of a contract table (`_extra_columns` in warehouse.json)."""
    extra = raw.get("_extra_columns", {}).get(table, {})
    return tuple(Column(name, c["type"], bool(c.get("nullable", True)), c.get("doc", "")) for name, c in extra.items())


def conform(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Exactly the spec's columns, in order, with its dtypes; missing columns become nulls.

    Loading and exporting go through this so that both databases and the files
    see the same types whatever the producing step left in the frame.
    """
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        series = frame[col.name] if col.name in frame.columns else pd.Series(pd.NA, index=frame.index)
        if col.type == "timestamp":
            out[col.name] = pd.to_datetime(series, utc=True).dt.tz_localize(None).astype(PANDAS_DTYPES["timestamp"])
        elif col.type == "float":
            out[col.name] = pd.to_numeric(series, errors="raise").astype("float64")
        else:
            out[col.name] = series.astype(PANDAS_DTYPES[col.type])
    return out.reset_index(drop=True)


def sql_type(col: Column, dialect: str) -> str:
    return _SQL[dialect][col.type]


def create_table_sql(spec: TableSpec, dialect: str, qualified: str | None = None) -> str:
    """CREATE TABLE IF NOT EXISTS with the key as primary key (no duplicate rows, ever)."""
    parts = [f'"{c.name}" {sql_type(c, dialect)}{"" if c.nullable else " NOT NULL"}' for c in spec.columns]
    if spec.key:
        parts.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in spec.key) + ")")
    return f"CREATE TABLE IF NOT EXISTS {qualified or quote(spec.name)} (\n  " + ",\n  ".join(parts) + "\n)"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def schema_statements(dialect: str, existing_columns: Callable[[str], set[str]],
                      qualify: Callable[[str], str] = quote) -> Iterator[str]:
    """CREATE TABLE IF NOT EXISTS per table, then ADD COLUMN for each column the schema files
    gained since (never a drop). Run each statement before asking for the next: the columns
    of a table are read right after its CREATE."""
    for spec in warehouse_specs().values():
        yield create_table_sql(spec, dialect, qualify(spec.name))
        have = existing_columns(spec.name)
        for col in spec.columns:
            if col.name not in have:
                yield f"ALTER TABLE {qualify(spec.name)} ADD COLUMN {quote(col.name)} {sql_type(col, dialect)}"
