"""Year against year: this report's canonical unit metrics against the previous year's in the warehouse.

A unit that disappeared or appeared, a metric that changed by more than a factor (default
×3, `validation_vocabulary.json: year_over_year.max_factor`) and a value that changed sign
are what a reader comparing two annual reports would ask about. They are warnings, never
critical: units are founded and closed, and a year can really be exceptional.

`compare_years` is pure (two frames in, a check table out); `held_metrics` reads the warehouse
(read-only, DuckDB) once, and `HeldMetrics.previous` picks the association's latest earlier year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.cells import show_number, text_or_none
from pipeline.data import load_json
from pipeline.validate.checks.common import COMPARE_COLUMNS, ID_COLUMNS, as_year, finish, num

YEAR_COLUMNS = ID_COLUMNS + ["metric", "previous_year", "presence", "jump", "sign"] + COMPARE_COLUMNS
METRIC_COLUMNS = ["report_year", "unit", "metric", "value", "uom", "label", "page", "row"]


def default_max_factor() -> float:
    return float(load_json("validation_vocabulary.json")["year_over_year"]["max_factor"])


def _empty() -> pd.DataFrame:
    return finish([], YEAR_COLUMNS)


def _factor(previous: float, current: float) -> float | None:
    """How many times larger the larger of two same-signed non-zero values is; None if not comparable."""
    if any(math.isnan(v) for v in (previous, current)) or previous == 0 or current == 0 or previous * current < 0:
        return None
    return max(abs(current / previous), abs(previous / current))


def compare_years(current: pd.DataFrame, previous: pd.DataFrame | None,
                  max_factor: float | None = None) -> pd.DataFrame:
    """One row per unit that appeared or disappeared and per metric both years print.

    `current` and `previous` are unit_metrics rows (report_year, unit, metric, value, uom,
    label, page, row) of this report and of the latest earlier year. Columns `presence`,
    `jump` and `sign` are empty unless the row is something to warn about.
    """
    if previous is None or previous.empty or current is None or current.empty:
        return _empty()
    factor_limit = max_factor if max_factor is not None else default_max_factor()
    year = as_year(current["report_year"].dropna().iloc[0])
    before = as_year(previous["report_year"].dropna().max())
    previous = previous[previous["report_year"] == before]
    if "unit_id" in current.columns and "unit_id" in previous.columns:  # a confirmed alias: the same unit
        names = dict(zip(current["unit_id"], current["unit"]))
        previous = previous.assign(unit=[names.get(i, u) for i, u in zip(previous["unit_id"], previous["unit"])])
    now_units = list(dict.fromkeys(current["unit"].dropna()))
    then_units = list(dict.fromkeys(previous["unit"].dropna()))
    rows: list[dict[str, Any]] = []
    for unit in then_units:
        if unit not in now_units:
            rows.append(_presence_row(year, before, unit, None, "disappeared",
                                      f"{unit} reported in {before}, not in {year}"))
    for unit in now_units:
        if unit not in then_units:
            page = pd.to_numeric(current.loc[current["unit"] == unit, "page"], errors="coerce").min()
            rows.append(_presence_row(year, before, unit, page, "appeared", f"{unit} is new in {year} (not in {before})"))
    then = {(r["unit"], r["metric"]): r for r in previous.to_dict("records")}
    for rec in current.to_dict("records"):
        old = then.get((rec["unit"], rec["metric"]))
        if old is not None:
            rows.append(_metric_row(year, before, rec, old, factor_limit))
    if "organization_id" in current.columns and current["organization_id"].notna().any():
        of = f" ({current['organization_id'].dropna().iloc[0]})"  # a warehouse holds many associations' years
        for row in rows:
            row["detail"] += of
    return finish(rows, YEAR_COLUMNS)


def _presence_row(year: int | None, before: int | None, unit: str, page: Any, change: str, detail: str) -> dict:
    return {"report_year": year, "unit": unit, "page": None if page is None or pd.isna(page) else int(page),
            "row": None, "label": None, "metric": None, "previous_year": before, "presence": change,
            "jump": None, "sign": None, "expected": None, "found": None, "detail": detail}


def _metric_row(year: int | None, before: int | None, rec: dict, old: dict, factor_limit: float) -> dict:
    now_value, old_value = num(rec.get("value")), num(old.get("value"))
    factor = _factor(old_value, now_value)
    uom = text_or_none(rec.get("uom")) or ""
    jump = f"×{factor:.1f} (more than ×{show_number(factor_limit)})" if factor and factor > factor_limit else None
    sign = "changed sign" if now_value * old_value < 0 else None
    return {"report_year": year, "unit": rec.get("unit"), "page": rec.get("page"), "row": rec.get("row"),
            "label": rec.get("label"), "metric": rec.get("metric"), "previous_year": before, "presence": None,
            "jump": jump, "sign": sign, "expected": old_value, "found": now_value,
            "detail": f"{rec.get('metric')}: {show_number(old_value)} {uom} in {before}, "
                      f"{show_number(now_value)} {uom} in {year}" + (f", {jump}" if jump else "")
                      + (f", {sign}" if sign else "")}


@dataclass(frozen=True)
class HeldMetrics:
    """The warehouse's unit metrics (every association, every year) as read once, before a run loads.

    Why a snapshot: a folder run loads each report as soon as its turn comes, while later ones are
    still being validated. Reading the warehouse at validation time would then compare a report with
    whatever of its own run happened to be loaded first; the snapshot makes the comparison the same
    however the work was scheduled (the run's own earlier years are compared at load time, see
    `pipeline.ingest.order`).
    """

    frame: pd.DataFrame | None = None  # METRIC_COLUMNS + organization_id, unit_id; None: nothing held

    def previous(self, report_year: int, organization_id: str | None = None) -> pd.DataFrame | None:
        """The association's latest earlier year's rows; None when there is none.

        With `organization_id` only that association's years count (a warehouse holds many); its
        rows carry `unit_id`, so a renamed unit whose alias is confirmed is compared with itself.
        """
        frame = self._rows_of(organization_id)
        before = _latest_before(frame, report_year)
        if before is None:
            return None
        columns = METRIC_COLUMNS + (["unit_id"] if organization_id is not None else [])
        return frame.loc[frame["report_year"] == before, columns].reset_index(drop=True)

    def latest_year_before(self, organization_id: str | None, report_year: int) -> int | None:
        """The latest year before `report_year` held for the association (any, when None)."""
        return _latest_before(self._rows_of(organization_id), report_year)

    def _rows_of(self, organization_id: str | None) -> pd.DataFrame:
        frame = self.frame if self.frame is not None else pd.DataFrame(columns=["organization_id", "report_year"])
        return frame if organization_id is None else frame[frame["organization_id"] == organization_id]


def _latest_before(frame: pd.DataFrame, report_year: int) -> int | None:
    years = frame.loc[frame["report_year"] < int(report_year), "report_year"]
    return None if years.empty else int(years.max())


def held_metrics(warehouse: str | Path | None, organization_id: str | None = None) -> HeldMetrics:
    """Every unit_metrics row of the DuckDB warehouse (of one association, when given), read once, read-only.

    A warehouse that cannot be read (missing, locked, older schema) holds 'no earlier year':
    the comparison is then not applicable, never a reason to stop an ingestion.
    """
    if warehouse is None or not Path(warehouse).is_file():
        return HeldMetrics()
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return HeldMetrics()
    try:
        sql = f"SELECT {', '.join(METRIC_COLUMNS)}, organization_id, unit_id FROM unit_metrics"
        frame = (con.execute(sql).df() if organization_id is None
                 else con.execute(sql + " WHERE organization_id = ?", [organization_id]).df())
    except duckdb.Error:
        return HeldMetrics()
    finally:
        con.close()
    return HeldMetrics(frame if not frame.empty else None)


def current_metrics(extraction: Any) -> pd.DataFrame:
    """This report's canonical unit metrics, the way the warehouse will store them."""
    from pipeline.model.derive import build_tables

    return build_tables(extraction).frames["unit_metrics"]



def change_lines(comparison: pd.DataFrame) -> list[str]:
    """One warning line per row of `compare_years` worth a look: a unit that appeared or
    disappeared, a metric past the factor, a sign change (the rows the GX suite warns on)."""
    lines = []
    for rec in comparison.to_dict("records"):
        change = text_or_none(rec.get("presence")) or text_or_none(rec.get("jump")) or text_or_none(rec.get("sign"))
        if change is None:
            continue
        page = num(rec.get("page"))
        where = ", ".join(p for p in (text_or_none(rec.get("unit")),
                                      None if math.isnan(page) else f"p. {int(page)}") if p)
        lines.append(f"year_over_year: {where}: {text_or_none(rec.get('detail')) or change}")
    return lines


def latest_earlier(report_year: int, candidates: dict[int, pd.DataFrame]) -> tuple[int, pd.DataFrame] | None:
    """The (year, unit_metrics) of the latest year before `report_year` among `candidates`."""
    earlier = [year for year in candidates if year < report_year and candidates[year] is not None
               and not candidates[year].empty]
    return (max(earlier), candidates[max(earlier)]) if earlier else None
