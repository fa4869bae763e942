"""The warehouse read into frames for the trend page: one `Association` per organisation.

Why through `information_schema` first: the page must read every warehouse this project
has made. A warehouse keyed by `organization_id` (and `unit_id`) gets one section per
organisation; an older one is one association. A `restatements` view is read only where it
exists. The connection is read-only and never loads an extension (no network).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.data import load_json
from pipeline.errors import EnvironmentProblem, ReportError
from pipeline.model.metrics import metric_names, metric_rules

ORG_COLUMN = "organization_id"
UNIT_ID_COLUMN = "unit_id"


@dataclass(frozen=True)
class KeyMetric:
    """A metric the page draws per unit (`data/trend_page.json`), with its unit of measure from metrics.csv."""

    metric: str
    title: str
    short: str
    axis: str
    uom: str


@lru_cache(maxsize=1)
def key_metrics() -> tuple[KeyMetric, ...]:
    """The key metrics that metrics.csv defines, in the data file's order."""
    defined = set(metric_names())
    uoms: dict[str, str] = {}
    for rule in metric_rules():
        uoms.setdefault(rule.metric, rule.uom)
    return tuple(KeyMetric(m["metric"], m["title"], m["short"], m["axis"], uoms.get(m["metric"], ""))
                 for m in load_json("trend_page.json")["key_metrics"] if m["metric"] in defined)


@dataclass
class Association:
    """One organisation's rows (or the whole warehouse, when it has no organisations)."""

    organization_id: str | None
    name: str
    years: list[int]
    metrics: pd.DataFrame          # long: report_year, unit_key, unit, metric, value (NaN = not printed)
    finance: pd.DataFrame          # report_year, label, value, page, top
    ingestions: pd.DataFrame       # every attempt, oldest first
    sources: pd.DataFrame          # report_year, source, figures
    restatements: pd.DataFrame | None = None  # the view's rows, where the warehouse has one
    key_metrics: tuple[KeyMetric, ...] = field(default_factory=tuple)

    def units(self) -> list[tuple[str, str]]:
        """(unit_key, name as printed in the latest year), in the order of the latest year's rows."""
        if self.metrics.empty:
            return []
        latest = self.metrics.sort_values("report_year").groupby("unit_key", sort=False)["unit"].last()
        return sorted(latest.items(), key=lambda kv: kv[1])

    def loaded_ingestion(self, year: int) -> dict[str, Any] | None:
        """The ingestion whose rows the warehouse holds for `year`: its latest `loaded` attempt."""
        rows = self.ingestions[(self.ingestions["report_year"] == year) & (self.ingestions["status"] == "loaded")]
        return None if rows.empty else rows.iloc[-1].to_dict()

    def attempts(self, year: int) -> pd.DataFrame:
        return self.ingestions[self.ingestions["report_year"] == year]


def _connect(path: Path) -> Any:
    """Read-only, no extensions; a missing file is bad input, a locked one the environment."""
    import duckdb

    from pipeline.load.duckdb_store import NO_NETWORK, check_warehouse_file, locked_warehouse

    if not path.is_file():
        raise ReportError(f"{path}: no such warehouse (ingest a report first, or give --warehouse)")
    check_warehouse_file(path)
    try:
        return duckdb.connect(str(path), read_only=True, config=NO_NETWORK)
    except duckdb.IOException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise (locked_warehouse(path, exc) or EnvironmentProblem(f"cannot read the warehouse {path}: {first}")) from None


def relations(con: Any) -> dict[str, set[str]]:
    """{table or view name: its column names} of the main schema."""
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_schema = 'main'").fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def _where(columns: set[str], organization_id: str | None) -> tuple[str, list[Any]]:
    if organization_id is not None and ORG_COLUMN in columns:
        return f' WHERE "{ORG_COLUMN}" = ?', [organization_id]
    return "", []


def organizations(con: Any, have: dict[str, set[str]], wanted: str | None) -> list[tuple[str | None, str]]:
    """(organization_id, name) to draw: each one the warehouse holds, or the one asked for.

    Without an organization_id column the warehouse is one association: (None, '').
    """
    summary_cols = have.get("unit_summary", set())
    if ORG_COLUMN not in summary_cols:
        if wanted:
            raise ReportError(f"--organization {wanted}: this warehouse holds one association "
                              f"(no {ORG_COLUMN} column); leave the option out")
        return [(None, "")]
    ids = [row[0] for row in con.execute(
        f'SELECT DISTINCT "{ORG_COLUMN}" FROM unit_summary ORDER BY 1').fetchall() if row[0] is not None]
    if wanted:
        if wanted not in ids:
            raise ReportError(f"--organization {wanted}: not in this warehouse (it holds: "
                              f"{', '.join(ids) or 'none'})")
        ids = [wanted]
    return [(org, _organization_name(con, have, org)) for org in ids]


def _organization_name(con: Any, have: dict[str, set[str]], org: str) -> str:
    """The name as printed, where some table keeps one next to the id; else the id."""
    for table, columns in sorted(have.items()):
        for name_column in ("organization_name", "organization"):
            if ORG_COLUMN in columns and name_column in columns:
                row = con.execute(f'SELECT "{name_column}" FROM "{table}" WHERE "{ORG_COLUMN}" = ? '
                                  f'AND "{name_column}" IS NOT NULL LIMIT 1', [org]).fetchone()
                if row and row[0]:
                    return str(row[0])
    return org


def _frame(con: Any, sql: str, params: list[Any]) -> pd.DataFrame:
    return con.execute(sql, params).df()


def _metrics(con: Any, have: dict[str, set[str]], org: str | None, wanted: tuple[KeyMetric, ...]) -> pd.DataFrame:
    """unit_summary in long form: one row per (year, unit, key metric), NaN where not printed."""
    columns = have.get("unit_summary", set())
    present = [k.metric for k in wanted if k.metric in columns]
    unit_key = UNIT_ID_COLUMN if UNIT_ID_COLUMN in columns else "unit"
    where, params = _where(columns, org)
    select = ", ".join(f'"{c}"' for c in ["report_year", "unit"] + present)
    wide = _frame(con, f'SELECT {select}, CAST("{unit_key}" AS VARCHAR) AS unit_key FROM unit_summary{where} '
                       f'ORDER BY report_year, unit', params)
    if wide.empty or not present:
        return pd.DataFrame(columns=["report_year", "unit_key", "unit", "metric", "value"])
    long = wide.melt(id_vars=["report_year", "unit_key", "unit"], value_vars=present, var_name="metric",
                     value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype("float64")
    long["report_year"] = long["report_year"].astype(int)
    return long


def _optional(con: Any, have: dict[str, set[str]], table: str, org: str | None, select: str,
              tail: str = "") -> pd.DataFrame | None:
    if table not in have:
        return None
    where, params = _where(have[table], org)
    return _frame(con, f'SELECT {select} FROM "{table}"{where}{tail}', params)


def read_associations(warehouse: str | Path, organization: str | None = None) -> list[Association]:
    """Everything the page shows, per organisation; raises ReportError for an empty or unknown warehouse."""
    path = Path(warehouse)
    con = _connect(path)
    try:
        have = relations(con)
        if "unit_summary" not in have:
            raise ReportError(f"{path}: not an etk-report warehouse (no unit_summary table)")
        wanted = key_metrics()
        out = []
        for org, name in organizations(con, have, organization):
            metrics = _metrics(con, have, org, wanted)
            finance = _optional(con, have, "finance_summary", org, "report_year, label, value, page, top",
                                " ORDER BY report_year, page, top")
            ingestions = _optional(con, have, "ingestions", org, "*", " ORDER BY started_at")
            sources = (_optional(con, have, "figures", org, "report_year, source, count(*) AS figures",
                                 " GROUP BY ALL ORDER BY ALL")
                       if "source" in have.get("figures", set()) else None)
            restatements = _optional(con, have, "restatements", org, "*", " ORDER BY ALL")
            years = sorted(int(y) for y in metrics["report_year"].unique())
            out.append(Association(
                organization_id=org, name=name, years=years, metrics=metrics,
                finance=finance if finance is not None else pd.DataFrame(columns=["report_year", "label", "value"]),
                ingestions=ingestions if ingestions is not None else pd.DataFrame(
                    columns=["report_year", "status", "started_at"]),
                sources=sources if sources is not None else pd.DataFrame(columns=["report_year", "source", "figures"]),
                restatements=restatements, key_metrics=wanted))
    finally:
        con.close()
    if not any(a.years for a in out):
        raise ReportError(f"{path}: no report loaded yet (etk-report ingest REPORT.pdf first)")
    return out


def validation_summary(ingestion: dict[str, Any] | None) -> dict[str, Any]:
    """The `validation_summary` JSON of an ingestions row, {} when absent or unreadable."""
    raw = (ingestion or {}).get("validation_summary")
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
