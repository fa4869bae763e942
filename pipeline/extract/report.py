"""PDF to tables: find the pages that hold figures cheaply, then read only those with pdfplumber."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.errors import EnvironmentProblem, NotAReport, ReportError
from pipeline.extract.issues import CRITICAL, WARNING, ExtractionIssue
from pipeline.extract.blocks.claims import unclaimed_numbers
from pipeline.extract.blocks.continued import has_statistics_by_content, looks_like_untitled_figures, may_continue
from pipeline.extract.finance.summary import FinanceRow, has_finance_title, parse_finance_summary
from pipeline.extract.layout.furniture import Furniture, FurniturePlaces, find_furniture
from pipeline.extract.layout.lines import group_lines
from pipeline.extract.organization import find_organization
from pipeline.extract.read.pages import PageProblem, PageScan, open_words, scan_pages
from pipeline.extract.blocks.ruled import RuledTable
from pipeline.extract.blocks.summary import SummaryState, parse_summary_page
from pipeline.extract.blocks.titled import UnitPage, _content, parse_statistics_page
from pipeline.extract.blocks.year_columns import move_other_years, unknown_uoms
from pipeline.extract.output.tables import figures_frame, frame
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
    # values printed for other years than the report's (previous-year columns, `(2016: 269)`):
    # the columns of `figures`, `unit_year` the year of the value's column; never among the figures
    other_year_figures: pd.DataFrame = field(default_factory=lambda: figures_frame(0, [], "other_year_figures"))
    image_pages: list[int] = field(default_factory=list)
    issues: list[ExtractionIssue] = field(default_factory=list)
    # (page, plain text) of the pages without figures: evidence validation checks the tables against
    narrative_pages: list[tuple[int, str]] = field(default_factory=list)
    # the association's name as printed (cover, running header or footer, signature); None if not found
    organization: str | None = None

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


def extract_report(path: str | Path, ocr: str = "auto") -> Extraction:
    """Read every statistics page and the finance summary of the report at `path`.

    `ocr` (auto|off|force) says what happens to image pages: see `pipeline.extract.ocr.tesseract.read_image_pages`.
    Raises `pipeline.errors.ReportError` (one-line message) for unreadable input
    and `pipeline.errors.NotAReport` when no statistics page is found. A page that
    is over a resource limit or cannot be parsed is skipped and becomes an issue.
    """
    path = Path(path)
    try:
        return _extract_report(path, ocr)
    except (ReportError, EnvironmentProblem):
        raise
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - hostile input must end in one line
        raise ReportError(f"{path}: cannot read PDF ({type(exc).__name__})") from None


def _extract_report(path: Path, ocr: str) -> Extraction:
    printed = scan_pages(path)
    wanted = _pages_to_read(printed)
    furniture = _furniture(printed, set(wanted))
    scans = printed
    if furniture:  # the cheap prefilters see each page without its running header and footer
        scans = [replace(scan, text=furniture.strip_text(scan.text)) for scan in printed]
        wanted = _pages_to_read(scans)
    places = FurniturePlaces(furniture)
    cover_year = _cover_year(printed)
    image_pages = [scan.number for scan in scans if scan.is_image_page and scan.number not in wanted]
    ocr_words, issues = _read_image_pages(path, image_pages, ocr)
    issues.extend(ExtractionIssue(scan.number, "untitled_figures", WARNING,
                                  "rows of figures under no statistics title, not after a statistics page; "
                                  "not extracted") for scan in scans
                  if scan.number not in wanted and looks_like_untitled_figures(scan.text))

    units: list[UnitPage] = []
    finance: list[FinanceRow] = []
    summary: tuple[int, SummaryState] | None = None  # the last page read by content, and where it ended
    numbers_pages: list[int] = []  # pages read that hold rows of numbers, for a report where no block is found
    content_pages: set[int] = set()  # pages whose blocks were found by content alone (no statistics title)
    issues += [_page_issue(scan.number, "page_over_limit", f"skipped: {scan.skipped}", scan.head,
                           unknown=not scan.head) for scan in scans if scan.skipped]
    issues += [_page_issue(scan.number, "unreadable_page", f"damaged: {scan.damaged}; figures on it may be "
                           "missing or wrong", scan.text,
                           unknown=(not scan.has_text_layer and not scan.image_count) or scan.title_in_content)
               for scan in scans if scan.damaged]
    with open_words(path) as reader:
        for number in sorted([*wanted, *ocr_words]):
            tables: list[RuledTable] = []
            if number in ocr_words:
                words = ocr_words[number]
            else:
                try:
                    tables = [RuledTable(rows) for rows in reader.ruled_tables(number)]
                    words = reader.words(number)
                except PageProblem as problem:
                    issues.append(_page_issue(number, problem.kind, f"skipped: {problem.reason}",
                                              scans[number - 1].text))
                    continue
            lines = places.strip(group_lines(words), reader.page_heights.get(number))
            finance_page = has_finance_title(lines)
            # a block may run onto this page, but never onto the finance summary's page
            previous = units[-1] if units and units[-1].page == number - 1 and not finance_page else None
            found = parse_statistics_page(lines, number, continues=previous, tables=tables)
            if found and previous is not None and previous.page in content_pages \
                    and not vocabulary().mentions_statistics_title(scans[number - 1].text):
                content_pages.update(unit.page for unit in found)  # a block found by content, continued
            for unit in found:
                move_other_years(unit)
                issues.extend(unit.issues)
            by_content = False
            if not found and not finance_page:
                carry = summary[1] if summary is not None and summary[0] == number - 1 else None
                read = parse_summary_page(_content(lines), number, cover_year, carry)
                found = read.units
                by_content = True  # rows under no heading are reported just below
                content_pages.update(unit.page for unit in read.units)
                summary = (number, read.state)
                issues.extend(read.issues)
                if read.unowned_rows:
                    issues.append(ExtractionIssue(number, "untitled_figures", WARNING,
                                                  f"{read.unowned_rows} rows of figures under no statistics title "
                                                  "or heading that continue no block on the page before; "
                                                  "not extracted"))
                if may_continue(scans[number - 1].text):
                    numbers_pages.append(number)
            units.extend(found)
            if number in ocr_words:
                from pipeline.extract.ocr.tesseract import ocr_issues

                issues.extend(ocr_issues(found, number, finance_page))
            if finance_page:
                finance.extend(parse_finance_summary(lines, number))
            elif not found and vocabulary().mentions_statistics_title(scans[number - 1].text):
                issues.append(ExtractionIssue(number, "title_without_figures", CRITICAL,
                                              "its text has a statistics title, but no title line was found in its "
                                              "layout; its figures were not extracted"))
            if not by_content and not finance_page:  # the finance summary's rows are read as such
                issues.extend(_titles_not_laid_out(scans[number - 1].text, found, number))

    if units and cover_year is None and not _reads_as_annual_report(scans, units, content_pages, finance):
        pages = _page_list(sorted({unit.page for unit in units}))
        raise NotAReport(f"{path}: rows of numbers on page(s) {pages}, but no report title, statistics title, "
                         "statistics chapter, finance summary or association name: not read as an annual report "
                         "(a new wording of these goes into vocabulary.json)")
    unreadable = [i for i in issues if i.kind in ("page_over_limit", "unreadable_page") and i.severity == CRITICAL]
    if not units and cover_year is not None and not unreadable:
        # an annual report whose pages were all read: not bad input, but nothing to load (critical issue)
        return _no_statistics(path, cover_year, scans, image_pages, issues, finance, numbers_pages)
    if not units:
        images = f"; pages without a text layer: {_page_list(image_pages)}" if image_pages else ""
        skipped = [i.line() for i in issues if i.kind in ("page_over_limit", "unreadable_page")]
        unread = "; " + "; ".join(skipped[:3]) if skipped else ""
        why = ("no report title, not an annual report" if cover_year is None
               else "the pages that may hold them were not read")
        raise NotAReport(f"{path}: no statistics pages found, {why} "
                         f"(no '<UNIT> / Toimintalukuja v. <year>' title"
                         f"{images}{unread})")
    for unit in units:
        issues.extend(unclaimed_numbers(unit))
        if not unit.figures:
            issues.append(ExtractionIssue(unit.page, "title_without_figures", CRITICAL,
                                          "statistics title with no readable figures", unit.unit))
    if not finance:
        issues.append(ExtractionIssue(None, "no_finance_summary", WARNING,
                                      "no finance summary (YHTEENVETO TALOUSLUVUISTA) found"))

    year = _report_year(printed, units)  # a running `Toimintakertomus 2024` says the year too
    issues.extend(unknown_uoms([fig for unit in units for fig in (*unit.figures, *unit.other_years)]))
    return Extraction(
        source=path,
        report_year=year,
        page_count=len(scans),
        figures=figures_frame(year, [fig for unit in units for fig in unit.figures]),
        other_year_figures=figures_frame(year, [fig for unit in units for fig in unit.other_years],
                                        "other_year_figures"),
        finance_summary=frame("finance_summary", [
            {"report_year": year, "label": r.label, "value": r.value, "page": r.page, "top": r.top}
            for r in finance]),
        municipalities=frame("municipalities", [
            {"report_year": year, "unit": u.unit, "municipality": name, "page": u.page}
            for u in units for name in u.municipalities]),
        image_pages=image_pages,
        issues=issues,
        narrative_pages=[(scan.number, scan.text) for scan in scans
                         if scan.has_text_layer and scan.number not in set(wanted)],
        organization=find_organization((scan.number, scan.text) for scan in scans),
    )


def _read_image_pages(path: Path, pages: list[int], mode: str) -> tuple[dict, list[ExtractionIssue]]:
    """OCR words of the image pages worth reading; OCR code is imported only when there are such pages."""
    if mode not in ("auto", "off", "force"):
        raise ValueError(f"ocr must be auto, off or force, not {mode!r}")
    if not pages or mode == "off":
        return {}, [ExtractionIssue(n, "image_page", WARNING,
                                    "an image with no text layer; any figures on it were not extracted")
                    for n in pages]
    from pipeline.extract.ocr.tesseract import read_image_pages

    return read_image_pages(path, pages, mode)


def _page_issue(page: int, kind: str, reason: str, text: str, unknown: bool = False) -> ExtractionIssue:
    """A page not (fully) read: critical if its text (or raw content) shows a statistics or finance title,
    or if it is `unknown` (damaged and nothing of it could be read, so it may have held anything)."""
    vocab = vocabulary()
    shows_title = vocab.mentions_statistics_title(text) or bool(vocab.finance_title.search(text))
    severity = CRITICAL if unknown or shows_title else WARNING
    return ExtractionIssue(page, kind, severity, reason)


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


def _furniture(scans: list[PageScan], wanted: set[int]) -> Furniture:
    """The report's running lines (`layout/furniture.py`), from every page's plain text; the `wanted`
    pages (titles, blocks continued) are where figures may stand."""
    return find_furniture([(scan.number, scan.text, scan.number in wanted) for scan in scans if scan.has_text_layer])


def _pages_to_read(scans: list[PageScan]) -> list[int]:
    """Pages with a title or with statistics by content (a summary chapter's name, year heads, rows of
    figures), and each page after one that may continue its block (`continued.py`)."""
    wanted: list[int] = []
    statistics: set[int] = set()  # pages with a title, or that may continue a block
    vocab = vocabulary()
    for scan in scans:
        if vocab.mentions_statistics_title(scan.text) or has_statistics_by_content(scan.text) \
                or (scan.number - 1 in statistics and may_continue(scan.text)):
            statistics.add(scan.number)
        if scan.number in statistics or vocab.finance_title.search(scan.text):
            wanted.append(scan.number)
    return wanted


def _reads_as_annual_report(scans: list[PageScan], units: list[UnitPage], content_pages: set[int],
                             finance: list[FinanceRow]) -> bool:
    """Blocks found by content alone count only in a document that shows itself an annual report somewhere.

    Why: tables of numbers with units of measure are everywhere (invoices, papers); without one cue
    from the vocabulary (a statistics title, a statistics chapter, the finance summary, an
    association's name) a file without a report title is not read as a report. The cues stay data.
    """
    if any(unit.page not in content_pages for unit in units) or finance:
        return True
    vocab = vocabulary()
    if any(vocab.is_summary_chapter(line.strip()) for scan in scans for line in scan.text.splitlines()[:200]
           if len(line) <= 120):
        return True
    return find_organization((scan.number, scan.text) for scan in scans) is not None


def _cover_year(scans: list[PageScan]) -> int | None:
    """The year of the report title (`VUOSIKERTOMUS v. 2014`) on one of the first pages, if printed."""
    for scan in scans[:3]:
        m = vocabulary().report_title.search(re.sub(r"\s+", " ", scan.text))
        if m:
            return int(m.group("year"))
    return None


def _report_year(scans: list[PageScan], units: list[UnitPage]) -> int:
    """The year on the report's cover; failing that, the year most statistics pages print."""
    year = _cover_year(scans)
    if year is not None:
        return year
    return Counter(unit.unit_year for unit in units).most_common(1)[0][0]


def _no_statistics(path: Path, year: int, scans: list[PageScan], image_pages: list[int],
                   issues: list[ExtractionIssue], finance: list[FinanceRow], numbers_pages: list[int]) -> Extraction:
    """An annual report (its title is found) in which no statistics block is: not bad input, but a
    critical issue naming the pages that hold rows of numbers, so nothing is loaded from it."""
    pages = numbers_pages or [scan.number for scan in scans if looks_like_untitled_figures(scan.text)]
    where = f"pages holding rows of numbers: {_page_list(pages)}" if pages else "no page holds rows of numbers"
    issues.append(ExtractionIssue(None, "no_statistics_found", CRITICAL,
                                  f"an annual report {year}, but no statistics block was found; {where}"))
    return Extraction(
        source=path, report_year=year, page_count=len(scans), figures=figures_frame(year, []),
        finance_summary=frame("finance_summary", [
            {"report_year": year, "label": r.label, "value": r.value, "page": r.page, "top": r.top}
            for r in finance]),
        municipalities=frame("municipalities", []), image_pages=image_pages, issues=issues,
        narrative_pages=[(scan.number, scan.text) for scan in scans if scan.has_text_layer])
