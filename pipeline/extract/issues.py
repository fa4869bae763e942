"""What extraction could not read, each with its page: the record that nothing was lost silently.

Every step that skips something (a page over a limit, a title that yields no figures, a number
no figure claims, a picture without text) adds an `ExtractionIssue`. The issues become the
`extraction_issues` table, which validation checks: a critical issue blocks loading.
"""

from __future__ import annotations

from dataclasses import dataclass

CRITICAL, WARNING = "critical", "warning"


@dataclass(frozen=True)
class ExtractionIssue:
    page: int | None
    kind: str       # title_without_figures, unclaimed_number, image_page, page_over_limit, ...
    severity: str   # CRITICAL or WARNING
    text: str       # what was found, as printed, or a one-line description
    unit: str | None = None

    def line(self) -> str:
        """`page 41: ...` as the CLI prints it."""
        where = f"page {self.page}: " if self.page is not None else ""
        unit = f"{self.unit}: " if self.unit else ""
        return f"{where}{unit}{self.text}"

    def row(self, report_year: int) -> dict:
        return {"report_year": report_year, "page": self.page, "kind": self.kind, "severity": self.severity,
                "text": self.text, "unit": self.unit}
