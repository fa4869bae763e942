"""Build small annual-report PDFs for tests, laid out like the real reports' statistics pages.

A report is a list of pages; a page is a list of blocks drawn top to bottom:

    write_report(path, [
        cover(2023),
        Page(Narrative.filler(12)),
        Page(Statistics("UUSI PERHEKESKUS", 2023, rows=(
            Figure("Asiakkaita yhteensä", "82", "hlö", note="31:stä eri perheestä", bold=True),
            Figure("Aikuiset", "42", "hlö", level=1, detached=True),
            Heading("RAHOITUS"),
            Figure("STEA", euro(54000), "€", level=1),
        ))),
        Page(FinanceSummary(2023, (("Kokonaiskulut", "3 371 424,83 -"),))),
        ImagePage(),
    ])

What is copied from the sample report (toimintakertomus-2022.pdf):
- the title `<UNIT> / Toimintalukuja v. <year>` in bold, a page number and an address above it;
- rows `label  value uom  note`: labels at a left margin, children indented, every value drawn
  right-aligned (`drawRightString`) in a value column, its unit of measure just right of it, the
  note in a column further right; euro amounts in their own column, `€` a little after them;
- a label may be drawn as its own text object *after* the rest of the page, a couple of points
  off its value's baseline (the sample's "detached" labels);
- thousands separated by NO-BREAK SPACE (U+00A0) inside the PDF text, as in the sample.

Coordinates are points, x from the left edge and y DOWN from the top edge (as pdfplumber's `top`).

Fonts: Bitstream Vera, shipped inside reportlab (no system fonts needed), embedded as TrueType with
a ToUnicode map, so `ä`, `ö`, `€` extract as printed. reportlab prints U+00A0 as a plain space; to get
a real no-break space (and U+202F) into the PDF text, those characters are drawn as private-use
stand-ins mapped to the space glyph, and the stand-ins are renamed in the font's ToUnicode map.
"""

from __future__ import annotations

import io
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import reportlab
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

PAGE_WIDTH, PAGE_HEIGHT = 595.2756, 841.8898  # A4, as the sample
REGULAR, BOLD = "EtkVera", "EtkVera-Bold"

NBSP, NNBSP = "\u00a0", "\u202f"
# Private-use code points drawn with the space glyph, renamed to U+00A0 / U+202F after saving.
_STAND_INS = {NBSP: "\ue000", NNBSP: "\ue001"}


# -- numbers as the reports print them ---------------------------------------------------------

def euro(amount: float, sep: str = NBSP) -> str:
    """`1028323.76` -> `1 028 323,76` with `sep` between thousands (the sample uses NBSP)."""
    text = f"{abs(amount):,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", sep)
    return text if amount >= 0 else f"{text} -"


# -- page content --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Columns:
    """x positions of a statistics page's columns.

    The sample has counts ending at x=240, amounts at 262 and notes from 270 in Carlito 10.5;
    the defaults here sit 20-30 pt further right because Vera is about a fifth wider.
    """

    margin: float = 60.0         # top-level labels, section headings, `Kunnat:` lists
    indent: float = 12.0         # how much further right a child label starts
    count_right: float = 260.0   # right edge of counts and percentages (`82`, `77,78`)
    euro_right: float = 290.0    # right edge of euro amounts (`1 028 323,76`)
    euro_sign_gap: float = 7.0   # between an amount and its `€`
    note: float = 300.0          # left edge of the note column


@dataclass(frozen=True)
class Figure:
    """One row `label  value uom  note`."""

    label: Union[str, tuple[str, ...]]  # a tuple is a label printed on several lines, value on the last
    value: str                          # as printed: "82", "77,78", euro(1028323.76)
    uom: str                            # hlö, kpl, %, ...; "€" puts the value in the euro column
    note: Union[str, tuple[str, ...]] = ""  # a tuple continues the note on the lines below
    level: int = 0                      # 0 at the margin, 1 indented under the row above, ...
    detached: bool = False              # label drawn last, as its own text object, shifted
    bold: bool = False
    nudge: float = 0.0                  # pt this row's value sits right (+) of its column


@dataclass(frozen=True)
class Heading:
    """A section heading at the margin (`Ryhmätoiminta:`, `TOIMINTAYMPÄRISTÖ`, `RAHOITUS`)."""

    text: str
    remark: str = ""        # regular text further right on the heading's line
    level: int = 0


@dataclass(frozen=True)
class MunicipalityList:
    """`Kunnat: A, B, Kristiinan-` / `kaupunki, C ja D`: continuation lines start under the first name."""

    lines: tuple[str, ...]
    level: int = 0


Row = Union[Figure, Heading, MunicipalityList]


@dataclass(frozen=True)
class Statistics:
    """A statistics block: bold title, then its rows."""

    unit: str
    year: int
    rows: tuple[Row, ...]
    columns: Columns = Columns()
    label_shift: float = 2.0      # pt a detached label sits below (+) or above (-) its value's baseline
    size: float = 10.5
    pitch: float = 17.5           # baseline to baseline
    address: str = "Esimerkkikatu 1, Lahti"
    title_gap: str = " "          # what stands between the unit and the slash ("" as `PEUKALOINEN/`)
    title_words: str = "Toimintalukuja v."  # what follows the slash, before the year


@dataclass(frozen=True)
class Narrative:
    """Body text: a paragraph of lines, optionally starting with a chapter heading `5.3 Otsikko`."""

    lines: tuple[str, ...]
    heading: str = ""
    x: float = 92.0
    size: float = 11.0

    @staticmethod
    def filler(count: int, heading: str = "") -> "Narrative":
        text = ("Yhdistyksen toiminta jatkui vilkkaana, ja perheitä tavattiin sekä kotikäynneillä "
                "että ryhmissä. Koulutukseen osallistui 40 ammattilaista, ja vapaaehtoisia oli "
                "mukana 12 henkilöä eri tehtävissä. Päijät-Hämeen alueella yhteistyö jatkui. ")
        words, lines, line = (text * (count // 3 + 1)).split(), [], ""
        for word in words:
            if len(line) + len(word) > 80:
                lines.append(line)
                line = ""
            line = f"{line} {word}".strip()
        return Narrative(tuple(lines[:count]), heading)


@dataclass(frozen=True)
class FinanceSummary:
    """`YHTEENVETO TALOUSLUVUISTA 31.12.YYYY`: rows (label, printed amount); `"106 937,52 -"` is negative."""

    year: int
    rows: tuple[tuple[str, str], ...]
    x: float = 124.0
    amount_right: float = 410.0
    size: float = 11.0


class Page:
    """Blocks (Statistics, Narrative, FinanceSummary) drawn top to bottom from `top` pt below the edge."""

    def __init__(self, *blocks, top: float = 56.0) -> None:
        self.blocks = blocks
        self.top = top


@dataclass(frozen=True)
class ImagePage:
    """A scanned page: one raster picture, no text layer at all (not even a page number)."""

    seed: int = 41


def cover(year: int, organisation: str = "ESIMERKIN ENSI- JA TURVAKOTI RY:N",
          title: str = "TOIMINTAKERTOMUS") -> Page:
    return Page(_Cover(year, organisation, title))


@dataclass(frozen=True)
class _Cover:
    year: int
    organisation: str
    title: str = "TOIMINTAKERTOMUS"


# -- drawing ---------------------------------------------------------------------------------------

@dataclass
class _Pen:
    """Draws text with y measured from the top; keeps labels to draw after the rest of the page."""

    canvas: rl_canvas.Canvas
    y: float
    deferred: list = field(default_factory=list)

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False, right: bool = False) -> None:
        c = self.canvas
        c.setFont(BOLD if bold else REGULAR, size)
        (c.drawRightString if right else c.drawString)(x, PAGE_HEIGHT - y, _with_stand_ins(text))

    def later(self, *args, **kwargs) -> None:
        self.deferred.append((args, kwargs))

    def flush(self) -> None:
        for args, kwargs in self.deferred:
            self.text(*args, **kwargs)
        self.deferred.clear()


def width(text: str, size: float, bold: bool = False) -> float:
    """Printed width of `text` in pt."""
    _register_fonts()
    return pdfmetrics.stringWidth(_with_stand_ins(text), BOLD if bold else REGULAR, size)


def _with_stand_ins(text: str) -> str:
    for char, stand_in in _STAND_INS.items():
        text = text.replace(char, stand_in)
    return text


def _draw_statistics(pen: _Pen, block: Statistics) -> None:
    col, size = block.columns, block.size
    pen.y += 24  # room for the address line above the title
    pen.text(548, pen.y - 19, block.address, 8.5, right=True)
    pen.text(col.margin, pen.y, f"{block.unit}{block.title_gap}/ {block.title_words} {block.year}", 12.5, bold=True)
    pen.y += 1.6 * block.pitch
    for n, row in enumerate(block.rows):
        x = col.margin + row.level * col.indent
        if isinstance(row, Heading):
            if n:
                pen.y += 0.7 * block.pitch
            pen.text(x, pen.y, row.text, size, bold=True)
            if row.remark:
                pen.text(x + width(row.text, size, True) + 8, pen.y, row.remark, 10.0)
            pen.y += block.pitch
        elif isinstance(row, MunicipalityList):
            prefix, _, names = row.lines[0].partition(" ")
            names_x = x + width(prefix + " ", size) + 2
            pen.text(x, pen.y, prefix, size)
            pen.text(names_x, pen.y, names, size)
            for line in row.lines[1:]:
                pen.y += block.pitch
                pen.text(names_x, pen.y, line, size)
            pen.y += block.pitch
        else:
            _draw_figure(pen, block, row, x)


def _draw_figure(pen: _Pen, block: Statistics, row: Figure, x: float) -> None:
    col, size = block.columns, block.size
    labels = (row.label,) if isinstance(row.label, str) else row.label
    shift = block.label_shift if row.detached else 0.0
    for n, label in enumerate(labels):
        draw = pen.later if row.detached else pen.text
        draw(x, pen.y + shift, label, size, bold=row.bold)
        if n < len(labels) - 1:
            pen.y += block.pitch
    # Like the sample (a Word document), a count and its unit are one run of text, "82 hlö",
    # placed so that the number's right edge is on the column; `€` sits apart after an amount.
    if row.uom == "€":
        right, run, after = col.euro_right, row.value, col.euro_right + col.euro_sign_gap
        pen.text(after, pen.y, "€", size, bold=row.bold)
        after += width("€", size, row.bold)
    else:
        right, run = col.count_right, f"{row.value} {row.uom}"
        after = right + width(f" {row.uom}", size, row.bold)
    right, after = right + row.nudge, after + row.nudge
    value_x0 = right - width(row.value, size, row.bold)
    pen.text(value_x0, pen.y, run, size, bold=row.bold)
    if x + width(labels[-1], size, row.bold) + 4 > value_x0:
        raise ValueError(f"label {labels[-1]!r} runs into its value {row.value!r}: move the value column right")
    notes = (row.note,) if isinstance(row.note, str) else row.note
    if notes[0] and after + 4 > col.note:
        raise ValueError(f"{row.value} {row.uom} runs into the note column: move the note column right")
    for n, note in enumerate(notes):
        if n:
            pen.y += block.pitch
        if note:
            pen.text(col.note, pen.y, note, size)
    pen.y += block.pitch


def _draw_narrative(pen: _Pen, block: Narrative) -> None:
    if block.heading:
        pen.y += 8
        pen.text(block.x, pen.y, block.heading, 12.0, bold=True)
        pen.y += 25
    for line in block.lines:
        pen.text(block.x, pen.y, line, block.size)
        pen.y += 15.6
    pen.y += 20


def _draw_finance(pen: _Pen, block: FinanceSummary) -> None:
    pen.text(block.x, pen.y, f"YHTEENVETO TALOUSLUVUISTA 31.12.{block.year}", block.size, bold=True)
    pen.y += 26
    for label, amount in block.rows:
        negative = amount.endswith("-")
        pen.text(block.x, pen.y, label, block.size)
        pen.text(block.amount_right, pen.y, amount.rstrip(" -"), block.size, right=True)
        if negative:
            pen.text(block.amount_right + 4, pen.y, "-", block.size)
        pen.text(block.amount_right + 18, pen.y, "€", block.size)
        pen.y += 17


def _draw_cover(pen: _Pen, block: _Cover) -> None:
    c = pen.canvas
    c.setFillGray(0.85)
    c.rect(100, PAGE_HEIGHT - 560, 395, 380, stroke=0, fill=1)  # where the sample has its photo
    c.setFillGray(0)
    pen.text(PAGE_WIDTH / 2 - width(block.organisation, 16, True) / 2, 112, block.organisation, 16, bold=True)
    pen.text(PAGE_WIDTH / 2 - width(block.title, 28, True) / 2, 660, block.title, 28, bold=True)
    pen.text(PAGE_WIDTH / 2 - width(f"v. {block.year}", 20) / 2, 696, f"v. {block.year}", 20)


def _draw_image_page(c: rl_canvas.Canvas, page: ImagePage) -> None:
    """A grey-noise raster over the whole page: what a scanned page looks like to a PDF reader."""
    from PIL import Image

    rng = random.Random(page.seed)
    img = Image.new("L", (120, 170))
    img.putdata([rng.randrange(160, 256) for _ in range(120 * 170)])
    c.drawImage(ImageReader(img), 40, 40, PAGE_WIDTH - 80, PAGE_HEIGHT - 80)


_DRAW = {Statistics: _draw_statistics, Narrative: _draw_narrative, FinanceSummary: _draw_finance,
         _Cover: _draw_cover}


def write_report(path: str | Path, pages: list, encrypt: str | None = None) -> Path:
    """Write the pages as a PDF at `path`; `encrypt` sets a user password."""
    _register_fonts()
    path = Path(path)
    buffer = io.BytesIO()
    c = rl_canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=0, invariant=1,
                         encrypt=encrypt)
    c.setTitle("Toimintakertomus (test)")
    for number, page in enumerate(pages, start=1):
        if isinstance(page, ImagePage):
            _draw_image_page(c, page)
        else:
            pen = _Pen(c, page.top)
            pen.text(533, 34.5 + 8, str(number), 10.0, right=True)
            for block in page.blocks:
                _DRAW[type(block)](pen, block)
            pen.flush()  # detached labels: drawn after everything else on the page
        c.showPage()
    c.save()
    data = buffer.getvalue()
    if not encrypt:
        for char, stand_in in _STAND_INS.items():
            data = data.replace(b" <%04X>" % ord(stand_in), b" <%04X>" % ord(char))
    path.write_bytes(data)
    return path


_registered = False


def _register_fonts() -> None:
    global _registered
    if _registered:
        return
    folder = Path(os.path.dirname(reportlab.__file__)) / "fonts"
    for name, file in ((REGULAR, "Vera.ttf"), (BOLD, "VeraBd.ttf")):
        font = TTFont(name, str(folder / file))
        face = font.face
        for stand_in in _STAND_INS.values():
            face.charToGlyph[ord(stand_in)] = face.charToGlyph[0x20]
            face.charWidths[ord(stand_in)] = face.charWidths[0x20]
        pdfmetrics.registerFont(font)
    _registered = True


# -- ready-made reports ------------------------------------------------------------------------------

def small_report(path: str | Path, year: int = 2021, income_total: float | None = None) -> Path:
    """A two-unit report whose figures all add up, for flow and warehouse tests.

    `income_total` overrides ENSIKOTI's printed `Tuotot yhteensä` (its parts add up to
    1 000 000,00): any other value makes a critical check fail.
    """
    printed_total = 1_000_000.00 if income_total is None else income_total
    ensikoti = Statistics("ENSIKOTI", year, rows=(
        Figure("Asiakkaita yhteensä", "70", "hlö", note="25:stä eri perheestä", bold=True),
        Figure("Aikuiset", "36", "hlö", note="28 naista, 8 miestä", level=1),
        Figure("Lapset", "34", "hlö", level=1),
        Figure("Hoitovuorokaudet yhteensä", "5000", "kpl", bold=True),
        Figure("Aikuisten hoitovuorokaudet", "2600", "kpl", level=1),
        Figure("Lasten hoitovuorokaudet", "2400", "kpl", level=1),
        Figure("Käyttöaste", "70,50", "%"),
        Figure("Asiakaskuntia", "2", "kpl"),
        MunicipalityList(("Kunnat: Lahti ja Hollola",)),
        Heading("TOIMINTAYMPÄRISTÖ"),
        Figure("Henkilökunta", "10", "hlö", level=1),
        Figure("Opiskelijat", "3", "hlö", level=1),
        Heading("RAHOITUS"),
        Figure("Kunnat ja kuntayhtymät", euro(990_000.00), "€", level=1),
        Figure("Muut tuotot", euro(10_000.00), "€", level=1),
        Figure("Tuotot yhteensä", euro(printed_total), "€", level=1, bold=True),
    ))
    turvakoti = Statistics("TURVAKOTI", year, rows=(
        Figure("Asiakkaita yhteensä", "100", "hlö", bold=True),
        Figure("Aikuiset", "60", "hlö", level=1),
        Figure("Lapset", "40", "hlö", level=1),
        Figure("Käyttöaste", "50,25", "%"),
        Heading("TOIMINTAYMPÄRISTÖ"),
        Figure("Henkilökunta", "8", "hlö", level=1),
        Heading("RAHOITUS"),
        Figure("Valtio", euro(800_000.00), "€", level=1),
        Figure("Muut tuotot", euro(5_000.50), "€", level=1),
        Figure("Tuotot yhteensä", euro(805_000.50), "€", level=1, bold=True),
    ))
    finance = FinanceSummary(year, (("Kokonaistuotot", euro(3_000_000.00)), ("Kokonaiskulut", euro(-3_050_000.00)),
                                    ("Tilikauden alijäämä", euro(-50_000.00)), ("Taseen loppusumma", euro(700_000.00))))
    return write_report(path, [cover(year), Page(ensikoti), Page(turvakoti), Page(finance)])
