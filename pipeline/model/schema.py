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

from pipeline.model.metrics import metric_names, metric_types
from pipeline.extract.output.tables import PANDAS_DTYPES, table_specs
from pipeline.data import load_json

# Tables holding one report (organisation and year) each: reloaded together, atomically, per report.
DATA_TABLES: tuple[str, ...] = (
    "figures", "funding", "finance_summary", "municipalities", "unit_metrics", "unit_summary",
    "other_year_figures",
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


def _keyed_by_organization(spec: TableSpec) -> TableSpec:
    """`organization_id` first and first in the key; `unit_id` after `unit` where a table has units.

    Why here and not in each contract: every data table is keyed by (organization_id,
    report_year, ...), and the extraction contracts (tables.json) know nothing of the warehouse.
    """
    org = Column("organization_id", "str", False, "the association, a slug of its printed name "
                 "(pipeline.model.organization)")
    columns: list[Column] = [org]
    for col in spec.columns:
        columns.append(col)
        if col.name == "unit":
            columns.append(Column("unit_id", "str", True, "the unit across years (pipeline.model.units)"))
    return TableSpec(spec.name, spec.description, ("organization_id",) + spec.key, tuple(columns))


def _other_year_contract(contracts: dict, local: dict) -> dict:
    """`other_year_figures`: tables.json's contract when it has one, else exactly the columns of figures."""
    if "other_year_figures" in contracts:
        return contracts["other_year_figures"]
    figures = contracts["figures"]
    return {"description": "Figures a report prints for another year than its own (a previous year's column): "
                           "`unit_year` is the year the value belongs to, `report_year` the report that printed it.",
            "key": ["report_year", "unit_year", "unit", "page", "row"], "columns": figures["columns"]}


@lru_cache(maxsize=1)
def warehouse_specs() -> dict[str, TableSpec]:
    """Every warehouse table: data tables in load order, then the ingestion log."""
    contracts = dict(table_specs())
    raw = load_json("warehouse.json")
    local = {k: v for k, v in raw.items() if not k.startswith("_")}
    contracts["other_year_figures"] = _other_year_contract(contracts, local)
    specs = {name: _keyed_by_organization(_spec(name, contracts.get(name) or local[name], _extra_columns(raw, name)))
             for name in DATA_TABLES}
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


# --------------------------------------------------------------------------- views

def view_statements(qualify: Callable[[str], str] = quote) -> list[str]:
    """Views for analysts, the same SQL in DuckDB and PostgreSQL; (re)created after the tables."""
    t = qualify
    return [
        f"""CREATE OR REPLACE VIEW {t('metric_trends')} AS
SELECT organization_id, unit_id, metric, report_year, value FROM {t('unit_metrics')}""",
        f"""CREATE OR REPLACE VIEW {t('units')} AS
SELECT organization_id, unit_id, unit, min(report_year) AS first_year, max(report_year) AS last_year,
       count(DISTINCT report_year) AS years
FROM {t('unit_summary')} GROUP BY organization_id, unit_id, unit""",
        f"""CREATE OR REPLACE VIEW {t('organizations')} AS
SELECT organization_id, max(organization) AS organization, min(report_year) AS first_year,
       max(report_year) AS last_year
FROM {t('ingestions')} WHERE status = 'loaded' GROUP BY organization_id""",
        f"""CREATE OR REPLACE VIEW {t('restatements')} AS
SELECT o.organization_id, o.unit_id, o.unit, o.label, o.uom, o.unit_year AS year,
       o.report_year AS printed_in, o.value AS printed_value, o.page AS printed_page,
       f.value AS loaded_value, f.page AS loaded_page,
       f.value IS NOT NULL AND abs(o.value - f.value) > 0.005 AS differs
FROM {t('other_year_figures')} o
LEFT JOIN {t('figures')} f
  ON f.organization_id = o.organization_id AND f.report_year = o.unit_year AND f.unit_id = o.unit_id
 AND lower(f.label) = lower(o.label) AND coalesce(lower(f.uom), '') = coalesce(lower(o.uom), '')
 AND coalesce(lower(f.parent), '') = coalesce(lower(o.parent), '')""",
    ]


def restatement_query(qualify: Callable[[str], str], param: str) -> str:
    """The restatements that differ and involve one report (as printer or as the loaded year)."""
    return (f"SELECT unit, label, uom, year, printed_in, printed_value, printed_page, loaded_value, loaded_page "
            f"FROM {qualify('restatements')} WHERE differs AND organization_id = {param} "
            f"AND (printed_in = {param} OR year = {param}) ORDER BY year, printed_in, unit, label")


def restatement_line(organization_id: str, row: tuple) -> str:
    unit, label, uom, year, printed_in, printed, printed_page, loaded, loaded_page = row
    uom = f" {uom}" if uom else ""
    return (f"restatement ({organization_id}, report year {printed_in}): {unit} '{label}' for {year}: printed "
            f"{printed:g}{uom} (p.{printed_page}), loaded {loaded:g}{uom} from the {year} report (p.{loaded_page})")


# --------------------------------------------------------------------------- migration

MIGRATED_SUFFIX = "__with_organizations"


def legacy_tables(existing_columns: Callable[[str], set[str]]) -> list[str]:
    """Data tables made before organisations: they exist and have no `organization_id`."""
    return [name for name in DATA_TABLES
            if (have := existing_columns(name)) and "organization_id" not in have]


def migrate_legacy_table(dialect: str, table: str, old_columns: dict[str, str],
                         run: Callable[[str, tuple], list], qualify: Callable[[str], str] = quote,
                         param: str = "?", organization_id: str = "unknown",
                         unit_id: Callable[[str], str] | None = None) -> int:
    """Rebuild `table` keyed by organisation, every old row kept under `organization_id`; returns its rows.

    Why a rebuild: the primary key gains `organization_id`, which no ALTER can do in DuckDB.
    The new table is filled under another name, then replaces the old one, in the caller's
    transaction. Columns the old table has and the schema files no longer name are kept.
    """
    spec = warehouse_specs()[table]
    new = table + MIGRATED_SUFFIX
    run(create_table_sql(spec, dialect, qualify(new)), ())
    known = set(spec.column_names)
    for name, sql_type_name in old_columns.items():
        if name not in known:
            run(f"ALTER TABLE {qualify(new)} ADD COLUMN {quote(name)} {sql_type_name}", ())
    cols = ", ".join(quote(c) for c in old_columns)
    run(f"INSERT INTO {qualify(new)} (organization_id, {cols}) SELECT {param}, {cols} FROM {qualify(table)}",
        (organization_id,))
    if unit_id is not None and "unit" in old_columns:
        for (unit,) in run(f"SELECT DISTINCT unit FROM {qualify(new)} WHERE unit IS NOT NULL", ()):
            run(f"UPDATE {qualify(new)} SET unit_id = {param} WHERE unit = {param}", (unit_id(unit), unit))
    rows = int(run(f"SELECT count(*) FROM {qualify(new)}", ())[0][0])
    run(f"DROP TABLE {qualify(table)}", ())
    run(f"ALTER TABLE {qualify(new)} RENAME TO {quote(table)}", ())
    return rows


def migration_note(where: str, rows: dict[str, int], organization_id: str) -> str:
    return (f"warehouse {where} migrated to one key per association: {sum(rows.values())} rows of "
            f"{len(rows)} tables kept as organisation '{organization_id}' (re-ingesting a report moves its "
            f"rows to its association)")
