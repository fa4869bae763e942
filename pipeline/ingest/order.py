"""In which order a folder's reports are loaded, decided while they arrive.

A folder run loads each association's reports in year order, and of two files of one year the one
later in path order replaces the earlier. Workers hand reports back in any order, so `LoadOrder`
holds each until every file submitted before it (files are submitted in path order) has come back,
then releases it: released reports are loaded at once, while the workers go on extracting, instead
of all of them waiting for the slowest report.

Path order is usually year order (`2014.pdf`, `lahti/2015.pdf`). Where it is not (a 2013 report in a
file that sorts after the 2014 one), the late report is released when it comes, and the reports of
its association released before it that are later years are released again after it, marked so. So
what each of them is compared with (the year before, restatements, unit aliases) and the warehouse
at the end are what loading in year order gives.

Year over year against the run's own earlier years is decided here too, at release: a report is
compared with the latest earlier year of its association released before it, unless the warehouse
already held a later one when the run began (`held_year`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.ingest.outcome import Prepared

HeldYear = Callable[[str | None, int], int | None]  # (organization_id, year) -> warehouse's latest year before


@dataclass(frozen=True)
class Release:
    """A report to load now: `prepared` carries the run's year over year and its warnings."""

    prepared: Prepared
    again_after: str | None = None  # the late report's file name, when this one is loaded again after it


class LoadOrder:
    """Releases a folder run's reports for loading, in year order per association, as they arrive."""

    def __init__(self, submitted: Sequence[str | Path], held_year: HeldYear = lambda org, year: None) -> None:
        self._submitted = [str(p) for p in submitted]
        self._position = {pdf: i for i, pdf in enumerate(self._submitted)}
        self._held_year = held_year
        self._waiting: dict[str, Prepared] = {}
        self._next = 0
        self._released: list[Prepared] = []   # reports with a year and tables, in load order
        self._unordered: list[Prepared] = []  # errors: nothing to load, no order to keep

    def arrive(self, prepared: Prepared) -> list[Release]:
        """Take one report back from a worker; return what may be loaded now, in order."""
        if prepared.pdf not in self._position:  # not submitted by this run: nothing to wait for
            return self._release(prepared)
        self._waiting[prepared.pdf] = prepared
        out: list[Release] = []
        while self._next < len(self._submitted) and self._submitted[self._next] in self._waiting:
            out += self._release(self._waiting.pop(self._submitted[self._next]))
            self._next += 1
        return out

    def waiting(self) -> list[str]:
        """Files that came back but wait for one submitted before them (empty once all came back)."""
        return sorted(self._waiting, key=self._position.__getitem__)

    def load_order(self) -> list[str]:
        """Every released report's file, errors first, then year order as loaded (for the outcome list)."""
        return [p.pdf for p in self._unordered] + [p.pdf for p in self._released]

    # ------------------------------------------------------------------------------------------

    def _release(self, p: Prepared) -> list[Release]:
        if p.error is not None or p.report_year is None or p.tables is None:
            self._unordered.append(p)
            return [Release(p)]
        later = [r for r in self._released if _org(r) == _org(p) and self._key(r) > self._key(p)]
        self._released.append(p)
        self._released.sort(key=self._key)
        return [Release(self._ready(p))] + [Release(self._ready(r, late=p), again_after=p.file_name) for r in later]

    def _key(self, p: Prepared) -> tuple[int, int]:
        return int(p.report_year or 0), self._position.get(p.pdf, len(self._position))

    def _before(self, p: Prepared) -> list[Prepared]:
        """The reports of p's association released before it in load order."""
        return [r for r in self._released if _org(r) == _org(p) and self._key(r) < self._key(p)]

    def _ready(self, p: Prepared, late: Prepared | None = None) -> Prepared:
        """p with the duplicate-year warning and the run's year over year; p itself is left as it came."""
        before = self._before(p)
        warnings = list(p.warnings)
        if late is not None:
            warnings.append(f"loaded again after {late.file_name}, an earlier year ({late.report_year}) "
                            "of the same association that came later in path order")
        same_year = [r for r in before if r.report_year == p.report_year]
        if same_year:
            of = f" of {_org(p)}" if _org(p) else ""
            warnings.append(f"report year {p.report_year}{of} is also in {same_year[-1].file_name}; "
                            "the file loaded last replaces it")
        return dataclasses.replace(p, warnings=warnings, validation=self._compared_in_run(p, before))

    def _compared_in_run(self, p: Prepared, before: list[Prepared]) -> dict[str, Any] | None:
        """p's validation with its year-over-year lines against the run's latest earlier year, when that
        is later than anything the warehouse held for the association when the run began."""
        from pipeline.validate.year_over_year import change_lines, compare_years, latest_earlier

        metrics = p.tables.frames.get("unit_metrics")
        seen = {r.report_year: r.tables.frames.get("unit_metrics") for r in before}  # load order: last wins
        found = latest_earlier(int(p.report_year), {y: m for y, m in seen.items() if m is not None})
        if found is None or p.validation is None or metrics is None:
            return p.validation
        year_before, previous = found
        in_warehouse = self._held_year(_org(p), int(p.report_year))
        if in_warehouse is not None and year_before <= in_warehouse:
            return p.validation
        lines = [w for w in p.validation.get("warning_lines", []) if not w.startswith("year_over_year")]
        return {**p.validation, "warning_lines": lines + change_lines(compare_years(metrics, previous))}


def _org(p: Prepared) -> str | None:
    return getattr(p.tables, "organization_id", None)
