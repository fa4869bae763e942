"""OCR of image-only pages: page picture -> Tesseract word boxes -> the same `Word`s the text layer gives.

There is one figure parser. OCR only produces `pipeline.extract.read.pages.Word` objects in PDF points
(plus each word's Tesseract confidence), which then go through `group_lines` and
`parse_statistics_page` exactly like words from a text layer.

Tesseract is run as the `tesseract` program (Debian: `tesseract-ocr`, `tesseract-ocr-fin`) with hOCR
output, which gives word boxes, word confidences and, per line, the baseline and the text size.
Words are placed on their line's baseline with a height derived from the line's size, so the line
grouping sees what it sees in a text layer; a slight rotation of a scan (Tesseract reports each
line's baseline slope) is undone in the coordinates.

This module is imported only when a report has image pages: reports without them pay nothing.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from statistics import median

from pipeline.data import load_json
from pipeline.errors import EnvironmentProblem
from pipeline.extract.issues import CRITICAL, WARNING, ExtractionIssue
from pipeline.extract.read.pages import Word
from pipeline.extract.vocabulary import vocabulary

INSTALL_HINT = "install Tesseract with Finnish data for OCR of image pages: apt-get install tesseract-ocr tesseract-ocr-fin"


@dataclass(frozen=True)
class OcrSettings:
    """Every OCR knob in one place (resolutions, thresholds, limits)."""

    language: str = "fin"
    full_dpi: int = 300            # the pass whose words become figures
    probe_dpi: int = 100           # the cheap pass that only looks for a statistics / finance title
    low_confidence: float = 90.0   # an OCR value below this (0-100) is a warning naming page and label
    timeout_s: float = 120.0       # one Tesseract run; a page that takes longer is reported, not waited for
    max_pages: int = 40            # image pages OCR'd per report; the rest are named (hostile input: bounded time)
    max_pixels: int = 60_000_000   # a page larger than this at full_dpi is rendered at a lower resolution
    # Tesseract's hOCR `x_size` of a line is about this fraction of the font size (measured: 0.78-0.84
    # on the sample's Carlito and the test pages' Vera).
    x_size_per_font_size: float = 0.8
    # Where a word's box sits around its baseline, as fractions of the font size (like a PDF font's
    # ascent and descent), so OCR words get text-layer-like `top`/`bottom`.
    ascent: float = 0.8
    descent: float = 0.2
    max_skew_deg: float = 3.0      # a larger median baseline slope is not trusted as a page rotation
    # Tesseract page segmentation: 6 = one uniform block of text. Lines are grouped again by
    # `group_lines` anyway, and on tables it loses fewer cells than automatic layout (3), which
    # dropped whole right-hand columns of some test pages.
    psm: int = 6
    # Two OCR words closer than this fraction of the font size are one word OCR split (`To imintalukuja`).
    inner_gap: float = 0.12
    # A doubtful number (confidence below low_confidence) is read again from its crop at these scales.
    recheck_scales: tuple[float, ...] = (0.67, 1.0, 1.5)


SETTINGS = OcrSettings()
# `23hlö`: a number whose space to its unit of measure was lost.
_NUMBER_GLUED_TO_UNIT = re.compile(r"^(?P<num>\d[\d\u00a0 ]*(?:[,;]\d+)?)(?P<uom>[A-Za-zÅÄÖåäö€%]+\.?)$")


# -- is OCR possible here --------------------------------------------------------------------------

@lru_cache(maxsize=4)
def tesseract_problem(language: str = SETTINGS.language) -> str | None:
    """None when Tesseract and its `language` data are installed, else one line saying what to install."""
    exe = shutil.which("tesseract")
    if exe is None:
        return f"Tesseract not found; {INSTALL_HINT}"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Tesseract does not run ({type(exc).__name__}); {INSTALL_HINT}"
    langs = {line.strip() for line in (out.stdout + out.stderr).splitlines()}
    if language not in langs:
        return f"Tesseract has no '{language}' language data; {INSTALL_HINT}"
    return None


# -- page picture ---------------------------------------------------------------------------------

def render_page(path: Path, number: int, dpi: int, settings: OcrSettings = SETTINGS):
    """The page as a grayscale PIL image at `dpi` (lowered so the picture stays under max_pixels)."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise OcrFailed(f"cannot render ({exc})") from None
    try:
        page = doc[number - 1]
        width_pt, height_pt = page.get_size()
        scale = dpi / 72
        pixels = width_pt * height_pt * scale * scale
        if pixels > settings.max_pixels:
            scale *= math.sqrt(settings.max_pixels / pixels)
        image = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
        return image, scale * 72
    except pdfium.PdfiumError as exc:
        raise OcrFailed(f"cannot render ({exc})") from None
    finally:
        doc.close()


# -- Tesseract -------------------------------------------------------------------------------------

def run_tesseract(image, settings: OcrSettings = SETTINGS, psm: int | None = None, allowed: str | None = None) -> str:
    """hOCR of a PIL image: one Tesseract process, bounded in time (OcrFailed), EnvironmentProblem if absent."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    cmd = ["tesseract", "stdin", "stdout", "-l", settings.language, "--psm", str(psm or settings.psm)]
    if allowed:
        cmd += ["-c", f"tessedit_char_whitelist={allowed}"]
    cmd.append("hocr")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread: predictable next to other work on 2 cores
    try:
        proc = subprocess.run(cmd, input=buffer.getvalue(), capture_output=True, timeout=settings.timeout_s, env=env)
    except subprocess.TimeoutExpired:
        raise OcrFailed(f"Tesseract took over {settings.timeout_s:.0f} s") from None
    except OSError as exc:
        raise EnvironmentProblem(f"Tesseract could not start ({exc.strerror}); {INSTALL_HINT}") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise OcrFailed(f"Tesseract failed: {reason[0]}")
    return proc.stdout.decode("utf-8", "replace")


@dataclass(frozen=True)
class OcrLine:
    """A line as Tesseract reports it, in pixels: box, baseline (slope, offset from the box bottom), size."""

    x0: float
    y0: float
    x1: float
    y1: float
    slope: float
    offset: float
    x_size: float

    def baseline_at(self, x: float) -> float:
        return self.y1 + self.offset + self.slope * (x - self.x0)


@dataclass(frozen=True)
class OcrWord:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float
    line: OcrLine


_LINE_CLASSES = {"ocr_line", "ocr_caption", "ocr_header", "ocr_textfloat"}


class _HocrReader(HTMLParser):
    """Collects words with their line from Tesseract's hOCR (Tesseract's own output, escaped XHTML)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[OcrWord] = []
        self._line: OcrLine | None = None
        self._word: dict | None = None
        self._depth = 0
        self._word_depth = -1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._depth += 1
        values = dict(attrs)
        kind = values.get("class") or ""
        title = _title_fields(values.get("title") or "")
        if kind in _LINE_CLASSES and "bbox" in title:
            x0, y0, x1, y1 = title["bbox"][:4]
            slope, offset = (title.get("baseline") or [0.0, 0.0])[:2]
            size = (title.get("x_size") or [y1 - y0])[0]
            self._line = OcrLine(x0, y0, x1, y1, slope, offset, size)
        elif kind == "ocrx_word" and "bbox" in title and self._line is not None:
            conf = (title.get("x_wconf") or [0.0])[0]
            self._word = {"box": title["bbox"][:4], "conf": conf, "text": []}
            self._word_depth = self._depth

    def handle_endtag(self, tag: str) -> None:
        if self._word is not None and self._depth == self._word_depth:
            text = "".join(self._word["text"]).strip()
            if text:
                x0, y0, x1, y1 = self._word["box"]
                self.words.append(OcrWord(text, x0, y0, x1, y1, float(self._word["conf"]), self._line))
            self._word = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._word is not None:
            self._word["text"].append(data)


def _title_fields(title: str) -> dict[str, list[float]]:
    """`bbox 1 2 3 4; baseline 0.01 -5; x_wconf 96` -> {'bbox': [1, 2, 3, 4], ...}."""
    fields: dict[str, list[float]] = {}
    for part in title.split(";"):
        if not part.split():
            continue
        name, *values = part.split()
        try:
            fields[name] = [float(v) for v in values]
        except ValueError:
            continue
    return fields


def parse_hocr(hocr: str) -> list[OcrWord]:
    reader = _HocrReader()
    reader.feed(hocr)
    reader.close()
    return reader.words


# -- Tesseract's words as the parser's words --------------------------------------------------------

def page_skew(words: list[OcrWord], settings: OcrSettings = SETTINGS) -> float:
    """The page's rotation as a baseline slope: the median slope of lines long enough to tell."""
    lines = {id(w.line): w.line for w in words}.values()
    slopes = [line.slope for line in lines if line.x1 - line.x0 > 10 * max(line.x_size, 1)]
    if not slopes:
        return 0.0
    slope = median(slopes)
    return slope if abs(math.degrees(math.atan(slope))) <= settings.max_skew_deg else 0.0


def to_words(ocr_words: list[OcrWord], dpi: float, settings: OcrSettings = SETTINGS) -> list[Word]:
    """PDF-point `Word`s on their line's baseline, page rotation undone, OCR slips mended (`mend_line`)."""
    skew = page_skew(ocr_words, settings)
    pt = 72 / dpi
    out: list[Word] = []
    for w in ocr_words:
        if _is_speck(w.text):
            continue
        size_px = w.line.x_size / settings.x_size_per_font_size
        centre = (w.x0 + w.x1) / 2
        base = w.line.baseline_at(centre) - skew * centre  # level the baseline
        shift_x = skew * base  # a small rotation also moves x by slope * y
        word = Word(w.text, (w.x0 + shift_x) * pt, (w.x1 + shift_x) * pt,
                    (base - settings.ascent * size_px) * pt, (base + settings.descent * size_px) * pt,
                    round(size_px * pt, 2), confidence=round(max(0.0, min(100.0, w.confidence)), 1))
        out.extend(split_glued_unit(word))
    return mend_words(out, settings)


def _is_speck(text: str) -> bool:
    """A token only of marks that dust, rules and leaders are read as (`=`, `—`, `.`); `/` and `-` stay."""
    return all(c in _SPECK_MARKS for c in text)


_SPECK_MARKS = set("=~_|—―‒'`\".,:;•·^*°¦")


def mend_words(words: list[Word], settings: OcrSettings = SETTINGS) -> list[Word]:
    """Mend what OCR gets wrong in the spacing of words that lie next to each other, left to right.

    - `To` `imintalukuja`: a title word (`ocr_title_words` in vocabulary.json) split by a gap far
      narrower than a space is one word again;
    - `1028` `323,76`: a thousands space OCR lost inside a grouped amount is put back (`1 028`);
    - `653;05`, `1028:323,76`: separators misread inside a number (`mend_number`).
    """
    out: list[Word] = []
    for word in words:  # Tesseract's reading order: line by line, left to right
        word = replace(word, text=mend_number(word.text))
        prev = out[-1] if out else None
        same_line = prev is not None and abs(prev.middle - word.middle) <= 0.4 * word.size
        gap = word.x0 - prev.x1 if same_line else None
        if gap is not None and gap <= settings.inner_gap * word.size and _is_title_word(prev.text + word.text):
            out[-1] = replace(prev, text=prev.text + word.text, x1=word.x1, confidence=_weaker(prev, word))
            continue
        if gap is not None and gap <= 0.6 * word.size and _LOST_THOUSANDS.match(prev.text) and _GROUP.match(word.text):
            out[-1] = replace(prev, text=_with_thousands(prev.text))
        out.append(word)
    return out


@lru_cache(maxsize=1)
def _title_words() -> frozenset[str]:
    return frozenset(w.casefold() for w in load_json("vocabulary.json")["ocr_title_words"])


def _is_title_word(text: str) -> bool:
    return text.casefold().strip("/:.,") in _title_words()


def mend_number(text: str) -> str:
    """`653;05` -> `653,05`; `1028:323,76` / `1.028.323,76` -> `1 028 323,76` (NBSP): separators OCR misread."""
    m = _MISREAD_NUMBER.match(text)
    if m is None:
        return text
    whole, decimals = m.group("whole"), m.group("decimals") or ""
    digits = re.sub(r"\D", "", whole)
    grouped = _with_thousands(digits) if digits != whole else whole
    return grouped + ("," + decimals[1:] if decimals else "")


_MISREAD_NUMBER = re.compile(r"^(?P<whole>\d+(?:[.:;'\u00a0]\d{3})*)(?P<decimals>[,;]\d{1,2})?$")
_LOST_THOUSANDS = re.compile(r"^\d{4,6}$")
_GROUP = re.compile(r"^\d{3}(?:,\d+)?$")


def _with_thousands(digits: str) -> str:
    """`1028` -> `1\u00a0028`."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return "\u00a0".join(groups)


def _weaker(a: Word, b: Word) -> float | None:
    return None if a.confidence is None or b.confidence is None else min(a.confidence, b.confidence)


def split_glued_unit(word: Word) -> list[Word]:
    """`23hlö` (a space OCR lost) -> `23`, `hlö`, sharing the box in proportion to their lengths."""
    m = _NUMBER_GLUED_TO_UNIT.match(word.text)
    if m is None:
        return [word]
    num, uom = m.group("num").rstrip(), m.group("uom")
    cut = word.x0 + (word.x1 - word.x0) * len(num) / (len(num) + len(uom) + 1)
    gap = (word.x1 - word.x0) / (len(num) + len(uom) + 1)
    return [replace(word, text=num, x1=cut), replace(word, text=uom, x0=cut + gap)]


# -- the two passes ---------------------------------------------------------------------------------

def ocr_words(path: Path, number: int, settings: OcrSettings = SETTINGS) -> list[Word]:
    """The full pass: the page at full_dpi, read by Tesseract, doubtful numbers read again, as parser words."""
    image, dpi = render_page(path, number, settings.full_dpi, settings)
    words = [second_opinion(image, w, settings) if _is_doubtful_number(w, settings) else w
             for w in parse_hocr(run_tesseract(image, settings))]
    return to_words(words, dpi, settings)


_NUMBER_TEXT = re.compile(r"^[\d\s.,;\u00a0-]*\d[\d\s.,;\u00a0-]*$")


def _is_doubtful_number(word: OcrWord, settings: OcrSettings) -> bool:
    return word.confidence < settings.low_confidence and bool(_NUMBER_TEXT.match(word.text))


def second_opinion(image, word: OcrWord, settings: OcrSettings = SETTINGS) -> OcrWord:
    """Read a doubtful number again from its own crop at a few scales; keep what most readings say.

    LSTM OCR can flip a digit (`77,78` -> `77,18`) at one resolution and not at another. When every
    reading agrees, the number is confirmed (their best confidence); when they disagree, the most
    common reading is kept with the lowest confidence of all, so it is still flagged.
    """
    margin = 0.4 * word.line.x_size
    box = (max(0, int(word.x0 - margin)), max(0, int(word.y0 - margin)),
           min(image.width, int(word.x1 + margin)), min(image.height, int(word.y1 + margin)))
    crop = image.crop(box)
    readings = [(word.text, word.confidence)]
    for scale in settings.recheck_scales:
        sized = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))))
        try:
            found = parse_hocr(run_tesseract(sized, settings, psm=7, allowed="0123456789,-"))
        except OcrFailed:
            continue
        if found:
            readings.append(("".join(w.text for w in found), min(w.confidence for w in found)))
    texts = [t for t, _ in readings]
    best = max(dict.fromkeys(texts), key=texts.count)  # ties: the first, the page's own reading
    if texts.count(best) == len(texts):
        confidence = max(c for _, c in readings)
    else:
        confidence = min(c for _, c in readings)
    return replace(word, text=best, confidence=confidence)


def probe_has_title(path: Path, number: int, settings: OcrSettings = SETTINGS) -> bool:
    """The cheap pass: does a low-resolution reading of the page show a statistics or finance title?"""
    image, _ = render_page(path, number, settings.probe_dpi, settings)
    text = " ".join(w.text for w in parse_hocr(run_tesseract(image, settings)))
    squeezed = re.sub(r"\s+", "", text).casefold()
    return any(word in squeezed for word in _title_words()) or bool(vocabulary().finance_title.search(text))


# -- which image pages to read ----------------------------------------------------------------------

class OcrFailed(Exception):
    """Tesseract could not read one page (timed out, crashed): that page is reported, the rest go on."""


def read_image_pages(path: Path, pages: list[int], mode: str,
                     settings: OcrSettings | None = None) -> tuple[dict[int, list[Word]], list[ExtractionIssue]]:
    """Words of the image pages worth reading, and an issue for every image page not read.

    `auto`: a cheap low-resolution pass picks the pages that show a statistics or finance title;
    without Tesseract the pages are only named, with one line saying what to install.
    `force`: every image page gets the full pass; without Tesseract that is an environment error.
    """
    settings = settings or SETTINGS
    problem = tesseract_problem(settings.language)
    if problem is not None:
        if mode == "force":
            raise EnvironmentProblem(problem)
        return {}, [_not_read(n) for n in pages] + [ExtractionIssue(None, "ocr_unavailable", WARNING, problem)]
    words: dict[int, list[Word]] = {}
    issues = [ExtractionIssue(n, "page_over_limit", CRITICAL, f"an image page past the first {settings.max_pages} "
                              "OCR reads in one report; any figures on it were not extracted")
              for n in pages[settings.max_pages:]]
    for number in pages[:settings.max_pages]:
        try:
            if mode == "auto" and not probe_has_title(path, number, settings):
                issues.append(_not_read(number, "OCR found no statistics or finance title on it"))
                continue
            words[number] = ocr_words(path, number, settings)
        except OcrFailed as exc:
            issues.append(ExtractionIssue(number, "unreadable_page", CRITICAL,
                                          f"an image page OCR could not read ({exc}); any figures on it are missing"))
    return words, issues


def _not_read(number: int, why: str = "any figures on it were not extracted") -> ExtractionIssue:
    return ExtractionIssue(number, "image_page", WARNING, f"an image with no text layer; {why}")


def ocr_issues(units: list, page: int, has_finance: bool = False,
               settings: OcrSettings | None = None) -> list[ExtractionIssue]:
    """What a person must know about an OCR page: that it was read by OCR, and every doubtful value."""
    settings = settings or SETTINGS
    figures = [fig for unit in units for fig in unit.figures]
    if not figures:
        if has_finance:
            return [ExtractionIssue(page, "ocr_page", WARNING, "an image with no text layer; its finance "
                                    "summary was read by OCR: check it against the page")]
        return [_not_read(page, "OCR read it, but found no statistics title with figures on it")]
    lowest = min(fig.confidence for fig in figures if fig.confidence is not None)
    issues = [ExtractionIssue(page, "ocr_page", WARNING,
                              f"an image with no text layer, read by OCR: {len(figures)} figures "
                              f"(lowest confidence {lowest:.0f}); check them against the page")]
    for fig in figures:
        if fig.confidence is not None and fig.confidence < settings.low_confidence:
            issues.append(ExtractionIssue(
                page, "ocr_low_confidence", WARNING,
                f"OCR read '{fig.label}' = {_show(fig.value)} {fig.uom} with confidence {fig.confidence:.0f} "
                f"(below {settings.low_confidence:.0f}); check it against the page", fig.unit))
    return issues


def _show(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") if value != int(value) else str(int(value))
