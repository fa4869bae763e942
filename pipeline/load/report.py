"""What a load hands back besides its row counts, and what it needs of an ingestions row.

Why here: the warehouse stores only need a row to insert (`LogRow.as_row()`), not the
ingestion record's type from `pipeline.ingest` (which sits above loading), so the
stores no longer import upwards.
"""

from __future__ import annotations

from typing import Any, Protocol


class LogRow(Protocol):
    """An ingestions row: `pipeline.ingest.record.IngestionRecord` is one."""

    sha256: str | None

    def as_row(self) -> dict[str, Any]: ...


class LoadReport(dict):
    """{table: rows written}, plus what the load noticed: one line each, for the terminal.

    A dict so that callers that only want the counts keep working.
    """

    def __init__(self, counts: dict[str, int], notes: list[str] | None = None) -> None:
        super().__init__(counts)
        self.notes: list[str] = list(notes or [])            # e.g. the warehouse was migrated
        self.restatements: list[str] = []                    # other-year values that differ from the loaded ones
        self.alias_proposals: list[str] = []                 # new units that may be earlier ones renamed

    def __reduce__(self):  # keeps the extra lists when Prefect or a process pool pickles it
        return (_rebuild, (dict(self), self.notes, self.restatements, self.alias_proposals))


def _rebuild(counts: dict[str, int], notes: list[str], restatements: list[str], proposals: list[str]) -> LoadReport:
    report = LoadReport(counts, notes)
    report.restatements, report.alias_proposals = list(restatements), list(proposals)
    return report
