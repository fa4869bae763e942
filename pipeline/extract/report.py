"""PDF to tables: find the pages that hold figures cheaply, then read only those with pdfplumber."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import NotAReport
from pipeline.extract.issues import CRITICAL, WARNING, ExtractionIssue
from pipeline.extract.claims import unclaimed_numbers
from pipeline.extract.continued import looks_like_untitled_figures, may_continue
from pipeline.extract.finance import FinanceRow, has_finance_title, parse_finance_summary
from pipeline.extract.layout import group_lines
from pipeline.extract.pages import PageScan, open_words, scan_pages
from pipeline.extract.ruled_tables import RuledTable
from pipeline.extract.stat_blocks import UnitPage, parse_statistics_page
from pipeline.extract.tables import figures_frame, frame
from pipeline.extract.vocabulary import vocabulary


@dataclass
class Extraction:
    """Everything read from one report. Frames follow `pipeline/data/tables.json`."""

    source: Path
    report_year: int
    page_count: int
    figures: pd.DataFrame
    finance_summary: pd.DataFrame
    municipalities: pd.DataFrame
    image_pages: list[int] = field(default_factory=list)
    issues: list[ExtractionIssue] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return list(dict.fromkeys(self.figures["unit"]))

    @property
    def warnings(self) -> list[str]:
        """Every issue as one line for a person (critical ones first)."""
        ordered = sorted(self.issues, key=lambda i: (i.severity != CRITICAL, i.page or 0))
        return [issue.line() for issue in ordered]

    @property
    def extraction_issues(self) -> pd.DataFrame:
        return frame("extraction_issues", [issue.row(self.report_year) for issue in self.issues])


def extract_report(path: str | Path) -> Extraction:
    """Read every statistics page and the finance summary of the report at `path`.

    Raises `pipeline.errors.ReportError` (one-line message) for unreadable input
    and `pipeline.errors.NotAReport` when no statistics page is found.
    """
    path = Path(path)
    scans = scan_pages(path)
    wanted = _pages_to_read(scans)
    image_pages = [scan.number for scan in scans if not scan.has_text_layer and scan.image_count]
    issues = [ExtractionIssue(n, "image_page", WARNING, "an image with no text layer; any figures on it were not extracted")
              for n in image_pages]
    issues.extend(ExtractionIssue(scan.number, "untitled_figures", WARNING,
                                  "rows of figures under no statistics title, not after a statistics page; "
                                  "not extracted") for scan in scans
                  if scan.number not in wanted and looks_like_untitled_figures(scan.text))

    units: list[UnitPage] = []
    finance: list[FinanceRow] = []
    with open_words(path) as reader:
        for number in wanted:
            tables = [RuledTable(rows) for rows in reader.ruled_tables(number)]
            lines = group_lines(reader.words(number))
            previous = units[-1] if units and units[-1].page == number - 1 else None
            found = parse_statistics_page(lines, number, continues=previous, tables=tables)
            units.extend(found)
            if has_finance_title(lines):
                finance.extend(parse_finance_summary(lines, number))
            elif not found and vocabulary().mentions_statistics_title(scans[number - 1].text):
                issues.append(ExtractionIssue(number, "title_without_figures", CRITICAL,
                                              "its text has a statistics title, but no title line was found in its "
                                              "layout; its figures were not extracted"))
            issues.extend(_titles_not_laid_out(scans[number - 1].text, found, number))

    if not units:
        images = f"; pages without a text layer: {_page_list(image_pages)}" if image_pages else ""
        raise NotAReport(f"{path}: no statistics pages found (no '<UNIT> / Toimintalukuja v. <year>' title{images})")
    for unit in units:
        issues.extend(unclaimed_numbers(unit))
        if not unit.figures:
            issues.append(ExtractionIssue(unit.page, "title_without_figures", CRITICAL,
                                          "statistics title with no readable figures", unit.unit))
    if not finance:
        issues.append(ExtractionIssue(None, "no_finance_summary", WARNING,
                                      "no finance summary (YHTEENVETO TALOUSLUVUISTA) found"))

    year = _report_year(scans, units)
    return Extraction(
        source=path,
        report_year=year,
        page_count=len(scans),
        figures=figures_frame(year, [fig for unit in units for fig in unit.figures]),
        finance_summary=frame("finance_summary", [
            {"report_year": year, "label": r.label, "value": r.value, "page": r.page, "top": r.top}
            for r in finance]),
        municipalities=frame("municipalities", [
            {"report_year": year, "unit": u.unit, "municipality": name, "page": u.page}
            for u in units for name in u.municipalities]),
        image_pages=image_pages,
        issues=issues,
    )


def _titles_not_laid_out(text: str, found: list[UnitPage], number: int) -> list[ExtractionIssue]:
    """Statistics titles the page's text has but its layout did not yield, and untitled rows of figures."""
    in_text = vocabulary().count_statistics_titles(text)
    if in_text and 0 < len(found) < in_text:
        return [ExtractionIssue(number, "title_without_figures", CRITICAL,
                                f"{in_text} statistics titles in its text, {len(found)} found in its layout; "
                                "the figures of the others were not extracted")]
    if not in_text and not found and may_continue(text):
        return [ExtractionIssue(number, "untitled_figures", WARNING,
                                "rows of figures under no statistics title that continue no block on the page "
                                "before; not extracted")]
    return []


def _page_list(pages: list[int], shown: int = 10) -> str:
    more = f" and {len(pages) - shown} more" if len(pages) > shown else ""
    return ", ".join(map(str, pages[:shown])) + more


def _pages_to_read(scans: list[PageScan]) -> list[int]:
    """Pages with a title, and each page after one that may continue its block (`continued.py`)."""
    wanted: list[int] = []
    statistics: set[int] = set()  # pages with a title, or that may continue a block
    vocab = vocabulary()
    for scan in scans:
        if vocab.mentions_statistics_title(scan.text) or (scan.number - 1 in statistics and may_continue(scan.text)):
            statistics.add(scan.number)
        if scan.number in statistics or vocab.finance_title.search(scan.text):
            wanted.append(scan.number)
    return wanted


def _report_year(scans: list[PageScan], units: list[UnitPage]) -> int:
    """The year on the report's cover; failing that, the year most statistics pages print."""
    for scan in scans[:3]:
        m = vocabulary().report_title.search(re.sub(r"\s+", " ", scan.text))
        if m:
            return int(m.group("year"))
    return Counter(unit.unit_year for unit in units).most_common(1)[0][0]
