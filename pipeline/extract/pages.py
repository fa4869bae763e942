"""Reading a report: check the file, scan every page's text cheaply, load words where needed.

pdfplumber's per-page layout work (pdfminer interpreting the content stream) is
the slow part of extraction, so every page is first scanned with pypdfium2's
plain text and only pages that hold figures are opened with pdfplumber.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.errors import ReportError


@dataclass(frozen=True)
class PageScan:
    """A page's plain text and whether it has pictures: enough to decide if it matters."""

    number: int  # 1-based
    text: str
    image_count: int

    @property
    def has_text_layer(self) -> bool:
        return bool(self.text.strip())


@dataclass(frozen=True)
class Word:
    """A printed word with its box, in PDF points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


def check_pdf_file(path: Path) -> None:
    """Raise ReportError with a one-line reason if `path` cannot be a readable PDF."""
    if not path.exists():
        raise ReportError(f"{path}: file not found")
    if path.is_dir():
        raise ReportError(f"{path}: is a directory, not a PDF file")
    size = path.stat().st_size
    if size == 0:
        raise ReportError(f"{path}: file is empty")
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise ReportError(f"{path}: not a PDF file (no %PDF header)")
    if b"%%EOF" not in tail:
        raise ReportError(f"{path}: PDF is truncated (no end-of-file marker)")


def scan_pages(path: Path) -> list[PageScan]:
    """Plain text and picture count of every page, via pypdfium2 (fast, no layout work)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    check_pdf_file(path)
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ReportError(_describe_pdfium_error(path, exc)) from None
    try:
        scans = []
        for index in range(len(doc)):
            page = doc[index]
            text = page.get_textpage().get_text_range()
            images = 0
            if not text.strip():
                images = sum(1 for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
            scans.append(PageScan(index + 1, text.replace("\r\n", "\n"), images))
            page.close()
        return scans
    except pdfium.PdfiumError as exc:
        raise ReportError(f"{path}: PDF is damaged ({exc})") from None
    finally:
        doc.close()


def _describe_pdfium_error(path: Path, exc: Exception) -> str:
    reason = str(exc)
    if "password" in reason.lower():
        return f"{path}: PDF is encrypted (password protected)"
    if "format" in reason.lower() or "file" in reason.lower():
        return f"{path}: PDF is damaged or truncated ({reason.rstrip('.')})"
    return f"{path}: cannot read PDF ({reason})"


@contextmanager
def open_words(path: Path) -> Iterator["WordReader"]:
    """Open the PDF with pdfplumber for word-level reading of chosen pages."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for broken files
        raise ReportError(f"{path}: cannot read PDF ({type(exc).__name__})") from None
    try:
        yield WordReader(path, pdf)
    finally:
        pdf.close()


class WordReader:
    """Words of single pages; a page is only parsed when asked for."""

    def __init__(self, path: Path, pdf) -> None:
        self._path = path
        self._pdf = pdf

    def ruled_tables(self, number: int) -> list[list[list[tuple[float, float, float, float] | None]]]:
        """Cell boxes, row by row, of every table drawn with rules on the page ([] for a page without rules).

        pdfplumber's table finder with the lines strategy; call before `words`, which releases the page.
        Pages without drawn lines or boxes are not searched, so the common text-only page costs nothing.
        """
        try:
            page = self._pdf.pages[number - 1]
            if not (page.lines or page.rects):
                return []
            found = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
        except Exception as exc:
            raise ReportError(f"{self._path}: page {number} cannot be read ({type(exc).__name__})") from None
        return [[list(row.cells) for row in table.rows] for table in found]

    def words(self, number: int) -> list[Word]:
        try:
            page = self._pdf.pages[number - 1]
            raw = page.extract_words(extra_attrs=["size"], use_text_flow=False)
        except Exception as exc:
            raise ReportError(f"{self._path}: page {number} cannot be read ({type(exc).__name__})") from None
        words = [
            Word(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]), float(w["size"]))
            for w in raw
        ]
        page.close()
        return words
