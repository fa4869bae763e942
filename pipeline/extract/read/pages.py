"""Reading a report: check the file, scan every page's text cheaply, load words where needed.

pdfplumber's per-page layout work (pdfminer interpreting the content stream) is
the slow part of extraction, so every page is first scanned with pypdfium2's
plain text and only pages that hold figures are opened with pdfplumber.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.errors import ReportError
from pipeline.extract.read.limits import (PageTimeout, ResourceLimits, page_costs, page_deadline,
                                          structure_stream_problem)
from pipeline.extract.settings import DEFAULT_SETTINGS, LayoutSettings

OVER_LIMIT, UNREADABLE = "page_over_limit", "unreadable_page"


@dataclass(frozen=True)
class PageScan:
    """A page's plain text and whether it has pictures: enough to decide if it matters."""

    number: int  # 1-based
    text: str
    image_count: int
    skipped: str | None = None  # why the page was not read (over a resource limit)
    head: str = ""              # for a skipped page: the start of its raw content, to look for titles
    damaged: str | None = None  # read, but a stream or object it uses is damaged: its text may be incomplete
    title_in_content: bool = False  # its raw content shows a statistics title hint (whatever its text shows)

    @property
    def has_text_layer(self) -> bool:
        return bool(self.text.strip())

    @property
    def is_image_page(self) -> bool:
        """A picture with no text layer, or one covering almost none of it (a page number, a header)."""
        return bool(self.image_count) and _letters(self.text) < IMAGE_PAGE_MAX_LETTERS


@dataclass(frozen=True)
class Word:
    """A printed word with its box, in PDF points from the page's top-left corner.

    `confidence` is Tesseract's (0-100) for a word read by OCR, None for a text-layer word.
    """

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    confidence: float | None = None
    # right edges of the word's glyphs as pdfplumber measured them (text layer only; None for OCR words)
    glyph_x1: tuple[float, ...] | None = None

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


# A page with pictures and fewer letters than this in its text layer is an image page (OCR may read it).
IMAGE_PAGE_MAX_LETTERS = 16


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


class PageProblem(Exception):
    """One page could not be read (`kind` OVER_LIMIT or UNREADABLE); the rest of the report still can."""

    def __init__(self, page: int, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.page, self.kind, self.reason = page, kind, reason


@contextmanager
def quiet_pdf_libraries() -> Iterator[list[logging.LogRecord]]:
    """Keep pdfminer's log lines and library warnings off stderr; the caller gets the records.

    Why: an error must be one line on stderr, and pdfminer logs warnings about damaged
    files that Python would otherwise print through its last-resort handler.
    """
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if len(records) < 100:
                records.append(record)

    loggers = [logging.getLogger(name) for name in ("pdfminer", "pdfplumber")]
    handler, saved = Collect(logging.WARNING), [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield records
    finally:
        for logger, propagate in zip(loggers, saved):
            logger.removeHandler(handler)
            logger.propagate = propagate


def check_pdf_file(path: Path, limits: ResourceLimits | None = None) -> None:
    """Raise ReportError with a one-line reason if `path` cannot be a readable PDF."""
    limits = limits or ResourceLimits.from_env()
    if not path.exists():
        raise ReportError(f"{path}: file not found")
    if path.is_dir():
        raise ReportError(f"{path}: is a directory, not a PDF file")
    size = path.stat().st_size
    if size == 0:
        raise ReportError(f"{path}: file is empty")
    if size > limits.max_file_bytes:
        raise ReportError(f"{path}: file is {size / 2**20:,.0f} MB, over the limit of "
                          f"{limits.max_file_bytes / 2**20:,.0f} MB for a report (ETK_MAX_FILE_BYTES)")
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise ReportError(f"{path}: not a PDF file (no %PDF header)")
    if b"%%EOF" not in tail:
        raise ReportError(f"{path}: PDF is truncated (no end-of-file marker)")


def scan_pages(path: Path, limits: ResourceLimits | None = None) -> list[PageScan]:
    """Plain text and picture count of every page, via pypdfium2 (fast, no layout work).

    Pages over a resource limit (`pipeline.extract.read.limits`) are not loaded: their scan is
    empty with `skipped` saying why.
    """
    limits = limits or ResourceLimits.from_env()
    check_pdf_file(path, limits)
    with quiet_pdf_libraries():
        return _scan_pages(path, limits)


def _scan_pages(path: Path, limits: ResourceLimits) -> list[PageScan]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    problem = structure_stream_problem(path, limits)  # before either reader decodes them whole
    if problem:
        raise ReportError(f"{path}: {problem}")
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ReportError(_describe_pdfium_error(path, exc)) from None
    try:
        count = len(doc)
        if count > limits.max_pages:
            raise ReportError(f"{path}: {count:,} pages, over the limit of {limits.max_pages:,} (ETK_MAX_PAGES)")
        costs = _costs(path, limits)
        if len(costs) != count:  # the readers disagree on the page tree: no page number can be trusted
            raise ReportError(f"{path}: PDF is damaged (its page tree holds {count:,} pages for one reader and "
                              f"{len(costs):,} for the other)")
        scans = []
        for index in range(count):
            cost = costs.get(index + 1)
            if cost is None or cost.over:  # unmeasured pages are not loaded either: they could hold a bomb
                reason = cost.over if cost else "the PDF's page tree is damaged (the page could not be measured)"
                scans.append(PageScan(index + 1, "", 0, skipped=reason, head=cost.head if cost else ""))
                continue
            page = doc[index]
            text = page.get_textpage().get_text_range()
            images = 0
            if _letters(text) < IMAGE_PAGE_MAX_LETTERS:
                images = sum(1 for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
            lost = bool(cost.hints) and not _title_hint(text)  # the raw content shows a title the text lost
            damaged = cost.damaged or ("its content holds a statistics title that its text layer does not show: "
                                       "the file is damaged" if lost else None)
            scans.append(PageScan(index + 1, text.replace("\r\n", "\n"), images, damaged=damaged,
                                  head=cost.head, title_in_content=lost or _title_hint(cost.head)))
            page.close()
        return scans
    except pdfium.PdfiumError as exc:
        raise ReportError(f"{path}: PDF is damaged ({exc})") from None
    finally:
        with contextlib.suppress(Exception):  # the first error is the one to report
            doc.close()


def _costs(path: Path, limits: ResourceLimits) -> dict:
    """{page number: PageCost}; a structure pdfminer cannot walk is bad input (pdfplumber would fail too)."""
    hint = _raw_hint()  # outside the try: an unusable vocabulary is the machine's fault, not the PDF's
    try:
        return {cost.number: cost for cost in page_costs(path, limits, hint)}
    except RecursionError:
        raise ReportError(f"{path}: PDF is damaged (its page tree nests too deep)") from None
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types for broken files
        raise ReportError(f"{path}: PDF is damaged ({type(exc).__name__})") from None


def _raw_hint() -> "re.Pattern[bytes] | None":
    """The vocabulary's title hint as a bytes pattern, to count in raw content (None if it has no such form)."""
    from pipeline.extract.vocabulary import vocabulary

    pattern = vocabulary().statistics_title_hint
    try:
        return re.compile(pattern.pattern.encode("latin-1"), pattern.flags & re.IGNORECASE)
    except (UnicodeEncodeError, re.error):
        return None


def _title_hint(text: str) -> bool:
    from pipeline.extract.vocabulary import vocabulary

    return bool(vocabulary().statistics_title_hint.search(text))


def _describe_pdfium_error(path: Path, exc: Exception) -> str:
    reason = str(exc)
    if "password" in reason.lower():
        return f"{path}: PDF is encrypted (password protected)"
    if "format" in reason.lower() or "file" in reason.lower():
        return f"{path}: PDF is damaged or truncated ({reason.rstrip('.')})"
    return f"{path}: cannot read PDF ({reason})"


@contextmanager
def open_words(path: Path, limits: ResourceLimits | None = None) -> Iterator["WordReader"]:
    """Open the PDF with pdfplumber for word-level reading of chosen pages.

    An error while closing is suppressed: the error being reported (if any) is the first one.
    """
    import pdfplumber

    with quiet_pdf_libraries():
        try:
            pdf = pdfplumber.open(str(path))
        except Exception as exc:  # pdfminer raises many types for broken files
            raise ReportError(f"{path}: cannot read PDF ({type(exc).__name__})") from None
        try:
            yield WordReader(path, pdf, limits or ResourceLimits.from_env())
        finally:
            with contextlib.suppress(Exception):
                pdf.close()


class WordReader:
    """Words of single pages; a page is only parsed when asked for, within its time budget."""

    def __init__(self, path: Path, pdf, limits: ResourceLimits | None = None) -> None:
        self._path = path
        self._pdf = pdf
        self._limits = limits or ResourceLimits()
        self.page_heights: dict[int, float] = {}  # of the pages whose words were read

    def ruled_tables(self, number: int) -> list[list[list[tuple[float, float, float, float] | None]]]:
        """Cell boxes, row by row, of every table drawn with rules on the page ([] for a page without rules).

        pdfplumber's table finder with the lines strategy; call before `words`, which releases the page.
        Pages without drawn edges (lines, boxes or curves) are not searched, so the common text-only page
        costs nothing.
        """
        try:
            with page_deadline(self._limits.page_seconds):
                page = self._pdf.pages[number - 1]
                if not page.edges:  # lines, rectangles and curves: what the lines strategy itself uses
                    return []
                found = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
                return [[list(row.cells) for row in table.rows] for table in found]
        except PageTimeout as exc:
            raise PageProblem(number, OVER_LIMIT, f"its layout work ran {exc} (ETK_PAGE_SECONDS)") from None
        except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - any parser failure on one page
            raise PageProblem(number, UNREADABLE, f"it cannot be parsed ({type(exc).__name__})") from None

    def words(self, number: int, settings: LayoutSettings = DEFAULT_SETTINGS) -> list[Word]:
        """The page's words, each with its glyphs' right edges; raises `PageProblem` if it runs over its
        time or cannot be parsed. Words split at a gap of `settings.word_gap` font sizes."""
        page = None
        try:
            with page_deadline(self._limits.page_seconds):
                page = self._pdf.pages[number - 1]
                self.page_heights[number] = float(page.height)
                raw = page.extract_words(extra_attrs=["size"], use_text_flow=False, return_chars=True,
                                         x_tolerance_ratio=settings.word_gap)
                words = [Word(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]),
                              float(w["size"]), glyph_x1=_glyph_edges(w)) for w in raw]
        except PageTimeout as exc:
            raise PageProblem(number, OVER_LIMIT, f"its layout work ran {exc} (ETK_PAGE_SECONDS)") from None
        except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - any parser failure on one page
            raise PageProblem(number, UNREADABLE, f"it cannot be parsed ({type(exc).__name__})") from None
        finally:
            if page is not None:
                with contextlib.suppress(Exception):
                    page.close()
        return words


def _glyph_edges(word: dict) -> tuple[float, ...] | None:
    """The right edge of each character of `word`, when its characters spell its text one by one."""
    chars = word.get("chars") or []
    if len(chars) != len(word["text"]):
        return None  # a ligature or a multi-character glyph: the caller estimates instead
    return tuple(float(c["x1"]) for c in chars)
