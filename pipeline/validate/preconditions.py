"""Preconditions: which checks apply to this report at all (after frictionless-py's checks).

A check whose inputs are absent (a report that lists no municipalities, a unit without a
funding section, a report without a finance summary) is *not applicable*: it is reported
as such and never failed. Two kinds, both declared in the suites' `meta`, never in code:

- `meta.requires`: names of report-level preconditions (below). When one does not hold, the
  expectation is left out of the GX run and listed as not applicable with the reason.
- `meta.applies_where`: a boolean column of the check table. Rows where it is False are
  listed as not applicable; their checked cells are left empty by the check table, so GX
  skips them.

Pure functions over the validation frames; no GX import.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any, Callable

import pandas as pd

from pipeline.cells import text_or_none

NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class Precondition:
    """A named condition on the report's tables, with what its absence means to a reader."""

    name: str
    holds: Callable[[dict[str, pd.DataFrame], str], bool]
    absent: str  # why the check does not apply when the condition does not hold


def _has_rows(table: str) -> Callable[[dict[str, pd.DataFrame], str], bool]:
    return lambda frames, _suite: table in frames and not frames[table].empty


PRECONDITIONS: dict[str, Precondition] = {p.name: p for p in (
    Precondition("rows", lambda frames, suite: suite in frames and not frames[suite].empty,
                 "the table has no rows"),
    Precondition("municipality_lists", _has_rows("municipalities"),
                 "the report lists no client municipalities"),
    Precondition("finance_summary", _has_rows("finance_summary"),
                 "the report has no finance summary"),
    Precondition("previous_year", _has_rows("year_over_year"),
                 "no earlier year to compare with (ingest reads it from the warehouse; it holds none)"),
    Precondition("narrative_statements", _has_rows("narrative"),
                 "no sentence of the units' chapters clearly states a figure of their statistics pages"),
)}


@dataclass
class NotApplicable:
    """A check (or one row of it) that did not run because its inputs are absent."""

    check: str
    table: str
    purpose: str
    reason: str
    unit: str | None = None
    page: int | None = None
    severity: str | None = None
    scope: str = "check"  # 'check': none of it ran; 'row': it ran, but not on this unit/page

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        where = ", ".join(p for p in (self.unit, f"p. {self.page}" if self.page is not None else None) if p)
        return f"N/A      {self.check}: {where + ': ' if where else ''}{self.reason}"


class PreconditionError(ValueError):
    """A suite names a precondition or column that does not exist: it would silently never run."""


def applicable_suites(suites: dict[str, dict[str, Any]], frames: dict[str, pd.DataFrame],
                      ) -> tuple[dict[str, dict[str, Any]], list[NotApplicable]]:
    """(suites without the expectations whose preconditions fail, what was left out and why)."""
    kept: dict[str, dict[str, Any]] = {}
    skipped: list[NotApplicable] = []
    for name, suite in suites.items():
        expectations = []
        for exp in suite["expectations"]:
            reason = _failed_precondition(exp, frames, name)
            if reason is None:
                expectations.append(exp)
            else:
                meta = exp.get("meta") or {}
                skipped.append(NotApplicable(meta["check"], name, meta["purpose"], reason,
                                             severity=exp.get("severity")))
        kept[name] = {**copy.deepcopy(suite), "expectations": copy.deepcopy(expectations)}
    return kept, skipped


def _failed_precondition(exp: dict[str, Any], frames: dict[str, pd.DataFrame], suite: str) -> str | None:
    for requirement in (exp.get("meta") or {}).get("requires", []):
        if requirement not in PRECONDITIONS:
            raise PreconditionError(f"suite {suite!r}: unknown precondition {requirement!r}; "
                                    f"known: {sorted(PRECONDITIONS)}")
        precondition = PRECONDITIONS[requirement]
        if not precondition.holds(frames, suite):
            return precondition.absent
    return None


def rows_not_applicable(suites: dict[str, dict[str, Any]], frames: dict[str, pd.DataFrame],
                        ) -> list[NotApplicable]:
    """Rows of check tables outside an expectation's `applies_where` column, with their reason.

    The reason is the row's `not_applicable` column when the check table gives one.
    """
    out: list[NotApplicable] = []
    for name, suite in suites.items():
        frame = frames.get(name)
        for exp in suite["expectations"]:
            meta = exp.get("meta") or {}
            column = meta.get("applies_where")
            if column is None or frame is None:
                continue
            if column not in frame.columns:
                raise PreconditionError(f"suite {name!r}: applies_where column {column!r} not in the table")
            for _, row in frame[~frame[column].fillna(False).astype(bool)].iterrows():
                page = row.get("page")
                out.append(NotApplicable(
                    meta["check"], name, meta["purpose"],
                    text_or_none(row.get("not_applicable")) or f"{column} is false",
                    unit=text_or_none(row.get("unit")),
                    page=None if page is None or pd.isna(page) else int(page),
                    severity=exp.get("severity"), scope="row"))
    return out
