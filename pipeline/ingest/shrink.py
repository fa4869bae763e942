"""The shrink guard: a report must not silently replace a fuller copy of its year.

Why: a damaged copy of a report can extract cleanly but partly (5 of 9 units, half the
figures) and pass every check that looks at the report alone. Only the warehouse knows
the year was fuller. So before loading, what the warehouse holds for the year is compared
with what is about to replace it; losing a unit, or more than a small share of the figures,
stops the load (exit 1) with one line saying what would be lost. `--replace` accepts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FIGURE_LOSS_SHARE = 0.05  # a corrected report may drop a figure or two; a damaged one drops pages


@dataclass(frozen=True)
class YearContents:
    """What one report year holds: its units and how many figures."""

    units: frozenset[str]
    figures: int


def incoming_contents(tables: Any) -> YearContents:
    """The year as `pipeline.model.derive.WarehouseTables` would load it."""
    figures = tables.frames["figures"]
    return YearContents(frozenset(str(u) for u in figures["unit"].dropna()), len(figures))


def held_contents(warehouse: str | Path, organization_id: str, report_year: int) -> YearContents | None:
    """What the DuckDB warehouse holds for the organisation's year; None when nothing (or no file yet)."""
    path = Path(warehouse)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    from pipeline.load.duckdb_store import connect

    with connect(path, read_only=True) as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'figures' "
                             "AND table_schema = current_schema()").fetchone()[0]
        if not exists:
            return None
        columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                             "table_name = 'figures' AND table_schema = current_schema()").fetchall()}
        # a warehouse from before organisations: the next load migrates its rows to organisation 'unknown'
        if "organization_id" not in columns and organization_id != "unknown":
            return None
        where, key = (("organization_id = ? AND report_year = ?", [organization_id, report_year])
                      if "organization_id" in columns else ("report_year = ?", [report_year]))
        rows = con.execute(f"SELECT DISTINCT unit FROM figures WHERE {where}", key).fetchall()
        count = con.execute(f"SELECT count(*) FROM figures WHERE {where}", key).fetchone()[0]
    if not count:
        return None
    return YearContents(frozenset(str(r[0]) for r in rows if r[0] is not None), int(count))


def shrink_loss(report_year: int, held: YearContents | None, incoming: YearContents,
                max_share: float = MAX_FIGURE_LOSS_SHARE, organization_id: str | None = None) -> str | None:
    """One line naming what loading `incoming` over `held` would lose, or None if nothing much.

    Lost units always count; fewer figures count beyond `max_share` of what is held.
    """
    if held is None:
        return None
    lost_units = sorted(held.units - incoming.units)
    lost_figures = held.figures - incoming.figures
    if not lost_units and lost_figures <= max_share * held.figures:
        return None
    what = []
    if lost_units:
        shown = ", ".join(lost_units[:5]) + (f" and {len(lost_units) - 5} more" if len(lost_units) > 5 else "")
        what.append(f"{len(lost_units)} of {len(held.units)} units ({shown})")
    if lost_figures > 0:
        what.append(f"{lost_figures} of {held.figures} figures")
    of = f" of {organization_id}" if organization_id else ""
    return (f"report year {report_year}{of} would shrink: loading it would lose {' and '.join(what)}; "
            f"nothing loaded (use --replace to accept)")
