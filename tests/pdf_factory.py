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
ITALIC, ITALIC_BOLD = "EtkVera-Italic", "EtkVera-BoldItalic"

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"
# Private-use code points drawn with the space glyph, renamed to U+00A0 / U+202F / U+2009 after saving.
_STAND_INS = {NBSP: "\ue000", NNBSP: "\ue001", THIN: "\ue002"}


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
    note_right: float = 545.0    # ruled tables: right edge of the note cell


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
    attached: bool = False              # the unit glued to the number: `77,78%`, `1 234,50€`


@dataclass(frozen=True)
class Heading:
    """A section heading at the margin (`Ryhmätoiminta:`, `TOIMINTAYMPÄRISTÖ`, `RAHOITUS`)."""

    text: str
    remark: str = ""        # regular text further right on the heading's line
    level: int = 0
    remark_cell: bool = False  # ruled: the remark in a note cell of its own (heading cell spans label to unit)


@dataclass(frozen=True)
class MunicipalityList:
    """`Kunnat: A, B, Kristiinan-` / `kaupunki, C ja D`: continuation lines start under the first name."""

    lines: tuple[str, ...]
    level: int = 0
    in_cells: bool = False  # ruled: the prefix in the label cell, the names' lines in the note cell


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
    style: str = "columns"        # "columns": text in columns (today's reports); "ruled": a table with rules
    show_title: bool = True       # False: the block goes on from the page before, under no title
    marker: str = ""              # printed where the title would be, e.g. "(jatkuu)"
    valign: str = "bottom"        # ruled: a wrapped label's value on its "top" or "bottom" line
    caption: tuple[str, ...] = ("Tunnusluku", "Määrä", "Yksikkö", "Lisätieto")  # ruled: caption row
    shade_sections: bool = True   # ruled: section rows on a grey background
    unit_in_value_cell: bool = False  # ruled: `82 hlö` printed together in the value cell
    title_in_table: bool = False  # ruled: the title is the table's first, full-width row
    font: str = "regular"         # "regular" (Vera) or "italic" (Vera Oblique): what the body is set in
    rules: str = "lines"          # ruled: "lines" (one segment each) or "curves" (paths of several segments)


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

    def __init__(self, *blocks, top: float = 56.0, landscape: bool = False) -> None:
        self.blocks = blocks
        self.top = top
        self.landscape = landscape


@dataclass(frozen=True)
class SideBySide:
    """Statistics blocks next to each other, each `offset` pt right of its own columns (landscape pages)."""

    blocks: tuple[Statistics, ...]
    offsets: tuple[float, ...]


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
    dx: float = 0.0                 # every x is drawn this much further right (side-by-side blocks)
    height: float = PAGE_HEIGHT
    serif: bool = False
    curves: bool = False            # rules as paths of two segments, which PDF readers see as curves

    def text(self, x: float, y: float, text: str, size: float, bold: bool = False, right: bool = False) -> None:
        c = self.canvas
        c.setFont(_font(bold, self.serif), size)
        (c.drawRightString if right else c.drawString)(x + self.dx, self.height - y, _with_stand_ins(text))

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        if not self.curves:
            self.canvas.line(x0 + self.dx, self.height - y0, x1 + self.dx, self.height - y1)
            return
        path = self.canvas.beginPath()
        path.moveTo(x0 + self.dx, self.height - y0)
        path.lineTo((x0 + x1) / 2 + self.dx, self.height - (y0 + y1) / 2)
        path.lineTo(x1 + self.dx, self.height - y1)
        self.canvas.drawPath(path, stroke=1, fill=0)

    def shade(self, x0: float, top: float, x1: float, bottom: float) -> None:
        c = self.canvas
        c.setFillGray(0.88)
        c.rect(x0 + self.dx, self.height - bottom, x1 - x0, bottom - top, stroke=0, fill=1)
        c.setFillGray(0)

    def later(self, *args, **kwargs) -> None:
        self.deferred.append((self.dx, self.serif, args, kwargs))

    def flush(self) -> None:
        dx, serif = self.dx, self.serif
        for self.dx, self.serif, args, kwargs in self.deferred:
            self.text(*args, **kwargs)
        self.dx, self.serif = dx, serif
        self.deferred.clear()


def _font(bold: bool, serif: bool = False) -> str:
    if serif:
        return ITALIC_BOLD if bold else ITALIC
    return BOLD if bold else REGULAR


def width(text: str, size: float, bold: bool = False, serif: bool = False) -> float:
    """Printed width of `text` in pt."""
    _register_fonts()
    return pdfmetrics.stringWidth(_with_stand_ins(text), _font(bold, serif), size)


def _with_stand_ins(text: str) -> str:
    for char, stand_in in _STAND_INS.items():
        text = text.replace(char, stand_in)
    return text


def _draw_statistics(pen: _Pen, block: Statistics) -> None:
    col, size = block.columns, block.size
    pen.serif = block.font == "italic"
    if block.show_title and not (block.style == "ruled" and block.title_in_table):
        pen.y += 24  # room for the address line above the title
        if block.address:
            pen.text(548, pen.y - 19, block.address, 8.5, right=True)
        pen.text(col.margin, pen.y, f"{block.unit}{block.title_gap}/ {block.title_words} {block.year}", 12.5,
                 bold=True)
        pen.y += 1.6 * block.pitch
    if block.marker:
        pen.text(col.margin, pen.y, block.marker, size)
        pen.y += 1.2 * block.pitch
    if block.style == "ruled":
        _draw_ruled(pen, block)
        pen.serif = False
        return
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
    pen.serif = False


def _draw_figure(pen: _Pen, block: Statistics, row: Figure, x: float) -> None:
    col, size, serif = block.columns, block.size, block.font == "italic"
    labels = (row.label,) if isinstance(row.label, str) else row.label
    shift = block.label_shift if row.detached else 0.0
    top_aligned, start = block.valign == "top", pen.y
    for n, label in enumerate(labels):
        draw = pen.later if row.detached else pen.text
        draw(x, (start + n * block.pitch if top_aligned else pen.y) + shift, label, size, bold=row.bold)
        if n < len(labels) - 1 and not top_aligned:
            pen.y += block.pitch
    # Like the sample (a Word document), a count and its unit are one run of text, "82 hlö",
    # placed so that the number's right edge is on the column; `€` sits apart after an amount.
    if row.attached:
        right = col.euro_right if row.uom == "€" else col.count_right
        run, after = f"{row.value}{row.uom}", right + width(row.uom, size, row.bold, serif)
    elif row.uom == "€":
        right, run, after = col.euro_right, row.value, col.euro_right + col.euro_sign_gap
        pen.text(after + row.nudge, pen.y, "€", size, bold=row.bold)
        after += width("€", size, row.bold, serif)
    else:
        right, run = col.count_right, f"{row.value} {row.uom}"
        after = right + width(f" {row.uom}", size, row.bold, serif)
    right, after = right + row.nudge, after + row.nudge
    value_x0 = right - width(row.value, size, row.bold, serif)
    pen.text(value_x0, pen.y, run, size, bold=row.bold)
    if x + max(width(label, size, row.bold, serif) for label in labels) + 4 > value_x0:
        raise ValueError(f"label {labels[-1]!r} runs into its value {row.value!r}: move the value column right")
    notes = (row.note,) if isinstance(row.note, str) else row.note
    if notes[0] and after + 4 > col.note:
        raise ValueError(f"{row.value} {row.uom} runs into the note column: move the note column right")
    for n, note in enumerate(notes):
        if n:
            pen.y += block.pitch
        if note:
            pen.text(col.note, pen.y, note, size)
    pen.y = max(pen.y, start + (len(labels) - 1) * block.pitch) + block.pitch


RULED = Columns(margin=50.0, indent=12.0, count_right=330.0, euro_right=330.0, note=400.0)
# narrow enough for two tables side by side on a landscape page
RULED_NARROW = Columns(margin=24.0, indent=12.0, count_right=290.0, euro_right=290.0, note=330.0, note_right=425.0)


def _draw_ruled(pen: _Pen, block: Statistics) -> None:
    """A table with rules: caption row, full-width (shaded) section rows, label | value | unit | note cells.

    Cell edges: the label cell from `margin - 6`, the value cell from `count_right - 90` to
    `count_right + 4`, the unit cell to `note - 6`, the note cell to `note_right`. Wrapped labels
    and notes stay inside their cell; the value sits on the label's first or last line (`valign`).
    """
    col, size, serif = block.columns, block.size, block.font == "italic"
    edges = [col.margin - 6, col.count_right - 90, col.count_right + 4, col.note - 6, col.note_right]
    inner = size * 1.25
    table_top = pen.y - size - 4
    pen.curves = block.rules == "curves"

    def height(lines: int) -> float:
        return 4 + size + (lines - 1) * inner + 0.35 * size + 3

    def rule(top: float, bottom: float, full: bool, xs: tuple[float, ...] = ()) -> None:
        pen.line(edges[0], bottom, edges[-1], bottom)
        for x in xs or (edges if not full else (edges[0], edges[-1])):
            pen.line(x, top, x, bottom)

    top = table_top
    pen.line(edges[0], top, edges[-1], top)
    if block.title_in_table:
        bottom = top + height(1) + 4
        pen.text(col.margin, top + 4 + 12.5, f"{block.unit} / {block.title_words} {block.year}", 12.5, bold=True)
        rule(top, bottom, True)
        top = bottom
    if block.caption:
        bottom = top + height(1)
        for x, text in zip(edges, block.caption):
            pen.text(x + 3, top + 4 + size, text, size, bold=True)
        rule(top, bottom, False)
        top = bottom
    for row in block.rows:
        x = col.margin + row.level * col.indent
        if isinstance(row, Heading):
            bottom = top + height(1)
            if block.shade_sections:
                pen.shade(edges[0], top, edges[-1], bottom)
            pen.text(x, top + 4 + size, row.text, size, bold=True)
            if row.remark and row.remark_cell:
                pen.text(col.note, top + 4 + size, row.remark, size)
            elif row.remark:
                pen.text(x + width(row.text, size, True, serif) + 8, top + 4 + size, row.remark, size)
        elif isinstance(row, MunicipalityList) and row.in_cells:
            prefix, _, first = row.lines[0].partition(" ")
            bottom = top + height(len(row.lines))
            pen.text(x, top + 4 + size, prefix, size)
            for k, line in enumerate((first, *row.lines[1:])):
                pen.text(col.note, top + 4 + size + k * inner, line, size)
                if col.note + width(line, size, False, serif) > col.note_right - 2:
                    raise ValueError(f"list line {line!r} does not fit its cell")
        elif isinstance(row, MunicipalityList):
            bottom = top + height(len(row.lines))
            for k, line in enumerate(row.lines):
                pen.text(x, top + 4 + size + k * inner, line, size)
        else:
            labels = (row.label,) if isinstance(row.label, str) else row.label
            notes = (row.note,) if isinstance(row.note, str) else row.note
            lines = max(len(labels), len(notes))
            bottom = top + height(lines)
            for k, label in enumerate(labels):
                pen.text(x, top + 4 + size + k * inner, label, size, bold=row.bold)
                if x + width(label, size, row.bold, serif) > edges[1] - 2:
                    raise ValueError(f"label {label!r} does not fit its cell")
            value_line = 0 if block.valign == "top" else len(labels) - 1
            baseline = top + 4 + size + value_line * inner
            if row.attached:
                pen.text(col.count_right - width(row.value, size, row.bold, serif), baseline,
                         row.value + row.uom, size, bold=row.bold)
            elif block.unit_in_value_cell:
                pen.text(col.count_right, baseline, f"{row.value} {row.uom}", size, bold=row.bold, right=True)
            else:
                pen.text(col.count_right, baseline, row.value, size, bold=row.bold, right=True)
                pen.text(col.count_right + 8, baseline, row.uom, size, bold=row.bold)
                if col.count_right + 8 + width(row.uom, size, row.bold, serif) > edges[3] - 2:
                    raise ValueError(f"unit {row.uom!r} does not fit its cell")
            for k, note in enumerate(notes):
                if note:
                    pen.text(col.note, top + 4 + size + k * inner, note, size)
                    if col.note + width(note, size, False, serif) > col.note_right - 2:
                        raise ValueError(f"note {note!r} does not fit its cell")
        split = isinstance(row, Heading) and row.remark and row.remark_cell
        rule(top, bottom, not isinstance(row, Figure) and not getattr(row, "in_cells", False),
             (edges[0], edges[3], edges[4]) if split else ())
        top = bottom
    pen.y = top + block.pitch
    pen.curves = False


def _draw_side_by_side(pen: _Pen, block: SideBySide) -> None:
    start, lowest = pen.y, pen.y
    for stats, offset in zip(block.blocks, block.offsets):
        pen.y, pen.dx = start, offset
        _draw_statistics(pen, stats)
        lowest = max(lowest, pen.y)
    pen.y, pen.dx = lowest, 0.0


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


# -- summary chapters (the association's earlier style: `KOOSTE ASIAKASTYÖSTÄ`) ------------------------

@dataclass(frozen=True)
class Chapter:
    """A chapter heading at the margin, bold: `KOOSTE ASIAKASTYÖSTÄ`, `8. TALOUS`."""

    text: str
    size: float = 14.0
    x: float = 60.0


@dataclass(frozen=True)
class SummaryRow:
    """`label  uom  this-year  previous-year  [change]  [(2016: 269)]`: one value per year column."""

    label: str
    values: tuple[str, ...]
    uom: str = ""
    level: int = 0
    change: str = ""        # the change column's value (`+12`, `-3,5`)
    paren: str = ""         # printed after the values, e.g. `(2016: 269)`


@dataclass(frozen=True)
class UnitTable:
    """One unit's table in a summary chapter.

    `heads` are the value columns' heads, right-aligned over them (`("2014", "2013")`, `("v. 2014",)`,
    `("2014", "edellinen vuosi")`); `change_head` adds a change column right of them. `uom_place`:
    "slot" (`label  perhettä  31  28`), "after" (`label  31 perhettä  28 perhettä`) or "head" (printed
    once on the heads' line over the unit-of-measure column, rows without it). `unit` is the unit's bold
    subheading, on the heads' line (`unit_on_head_line`) or on its own line above; None prints no
    subheading (a table continued from the page before). `work_area`: an upper-case heading above it.
    """

    unit: str | None
    rows: tuple[SummaryRow, ...]
    heads: tuple[str, ...] = ()
    change_head: str = ""
    uom_place: str = "slot"
    head_uom: str = ""
    unit_on_head_line: bool = True
    work_area: str = ""
    size: float = 10.5
    pitch: float = 16.0
    margin: float = 60.0
    indent: float = 14.0
    uom_x: float = 250.0
    value_right: float = 350.0
    column_step: float = 85.0


def _draw_chapter(pen: _Pen, block: Chapter) -> None:
    pen.y += 10
    pen.text(block.x, pen.y, block.text, block.size, bold=True)
    pen.y += 28


def _draw_unit_table(pen: _Pen, block: UnitTable) -> None:
    size, step = block.size, block.column_step
    columns = max([len(block.heads), *(len(r.values) for r in block.rows)]) + (1 if block.change_head else 0)
    rights = [block.value_right + k * step for k in range(columns)]
    if block.work_area:
        pen.y += 6
        pen.text(block.margin, pen.y, block.work_area, size + 1, bold=True)
        pen.y += block.pitch + 6
    if block.unit and not (block.unit_on_head_line and block.heads):
        pen.text(block.margin, pen.y, block.unit, size, bold=True)
        pen.y += block.pitch
    if block.heads:
        if block.unit and block.unit_on_head_line:
            pen.text(block.margin, pen.y, block.unit, size, bold=True)
        for right, head in zip(rights, (*block.heads, block.change_head)):
            if head:
                pen.text(right, pen.y, head, size, bold=True, right=True)
        if block.uom_place == "head" and block.head_uom:
            pen.text(block.uom_x, pen.y, block.head_uom, size, bold=True)
        pen.y += block.pitch
    for row in block.rows:
        pen.text(block.margin + row.level * block.indent, pen.y, row.label, size)
        if block.uom_place == "slot" and row.uom:
            pen.text(block.uom_x, pen.y, row.uom, size)
        last = block.value_right
        for right, value in zip(rights, row.values):
            if value:
                pen.text(right, pen.y, value, size, right=True)
                last = right
                if block.uom_place == "after" and row.uom:
                    pen.text(right + 4.5, pen.y, row.uom, size)
                    last = right + 4.5 + width(row.uom, size)
        if row.change:
            pen.text(rights[-1], pen.y, row.change, size, right=True)
            last = rights[-1]
        if row.paren:
            pen.text(last + 12, pen.y, row.paren, size)
        pen.y += block.pitch
    pen.y += block.pitch / 2


_DRAW = {Chapter: _draw_chapter, UnitTable: _draw_unit_table, Statistics: _draw_statistics, Narrative: _draw_narrative, FinanceSummary: _draw_finance,
         _Cover: _draw_cover, SideBySide: _draw_side_by_side}


def write_report(path: str | Path, pages: list, encrypt: str | None = None, header: str = "",
                 footer: str = "") -> Path:
    """Write the pages as a PDF at `path`; `encrypt` sets a user password.

    `header` and `footer` are running lines on every page with a text layer: the header at the top
    margin, written first; the footer at the bottom margin with the page number at its right end,
    written last (`Yhdistys ry | Toimintakertomus 2024      7`).
    """
    _register_fonts()
    path = Path(path)
    buffer = io.BytesIO()
    c = rl_canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=0, invariant=1,
                         encrypt=encrypt)
    c.setTitle("Toimintakertomus (test)")
    for number, page in enumerate(pages, start=1):
        if isinstance(page, ImagePage):
            c.setPageSize((PAGE_WIDTH, PAGE_HEIGHT))
            _draw_image_page(c, page)
        else:
            size = (PAGE_HEIGHT, PAGE_WIDTH) if page.landscape else (PAGE_WIDTH, PAGE_HEIGHT)
            c.setPageSize(size)
            pen = _Pen(c, page.top, height=size[1])
            if header:
                pen.text(60, 24, header, 8.5)
            pen.text(size[0] - 62, 34.5 + 8, str(number), 10.0, right=True)
            for block in page.blocks:
                _DRAW[type(block)](pen, block)
            pen.flush()  # detached labels: drawn after everything else on the page
            if footer:
                pen.text(60, size[1] - 28, footer, 8.5)
                pen.text(size[0] - 62, size[1] - 28, str(number), 8.5, right=True)
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
    for name, file in ((REGULAR, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf"),
                       (ITALIC_BOLD, "VeraBI.ttf")):
        font = TTFont(name, str(folder / file))
        face = font.face
        for stand_in in _STAND_INS.values():
            face.charToGlyph[ord(stand_in)] = face.charToGlyph[0x20]
            face.charWidths[ord(stand_in)] = face.charWidths[0x20]
        pdfmetrics.registerFont(font)
    _registered = True


# -- ready-made reports ------------------------------------------------------------------------------

def small_report(path: str | Path, year: int = 2021, income_total: float | None = None,
                 second_unit: str = "TURVAKOTI",
                 organisation: str = "ESIMERKIN ENSI- JA TURVAKOTI RY:N") -> Path:
    """A two-unit report whose figures all add up, for flow and warehouse tests.

    `income_total` overrides ENSIKOTI's printed `Tuotot yhteensä` (its parts add up to
    1 000 000,00): any other value makes a critical check fail. `organisation` is printed on the cover.
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
    turvakoti = Statistics(second_unit, year, rows=(
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
    return write_report(path, [cover(year, organisation), Page(ensikoti), Page(turvakoti), Page(finance)])


# -- scans: pages as pictures only (issue 11, OCR) ---------------------------------------------------

def scan_page_image(src: str | Path, number: int, dpi: int, noise: float = 0.0, rotate: float = 0.0,
                    seed: int = 0):
    """Page `number` of `src` as a grayscale picture at `dpi`, like a scanner makes it.

    `noise` is the standard deviation of Gaussian grey noise (0-255 scale); `rotate` turns the paper
    by that many degrees (counter-clockwise), the corners filled with white.
    """
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    doc = pdfium.PdfDocument(str(src))
    try:
        image = doc[number - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        doc.close()
    if rotate:
        image = image.rotate(rotate, resample=Image.BICUBIC, expand=False, fillcolor=255)
    if noise:
        pixels = np.asarray(image, dtype=np.float32)
        pixels += np.random.default_rng(seed).normal(0.0, noise, pixels.shape)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    return image


def scanned_copy(src: str | Path, dst: str | Path, dpi: int, pages: list[int] | None = None,
                 noise: float = 0.0, rotate: float = 0.0, seed: int = 0) -> Path:
    """A copy of `src` whose `pages` (default: all) are replaced by pictures of themselves, with no text layer.

    Each picture fills its page at the page's size; the other pages are copied unchanged.
    """
    import pypdfium2 as pdfium

    dst = Path(dst)
    original = pdfium.PdfDocument(str(src))
    out = pdfium.PdfDocument.new()
    try:
        chosen = set(pages or range(1, len(original) + 1))
        for number in range(1, len(original) + 1):
            if number not in chosen:
                out.import_pages(original, [number - 1])
                continue
            image = scan_page_image(src, number, dpi, noise, rotate, seed + number)
            buffer = io.BytesIO()
            image.save(buffer, format="PDF", resolution=float(dpi))
            scan = pdfium.PdfDocument(buffer.getvalue())
            out.import_pages(scan)
            scan.close()
        out.save(str(dst))
    finally:
        out.close()
        original.close()
    return dst


def trend_report(path: str | Path, year: int, step: int = 0, omit: tuple[tuple[str, str], ...] = (),
                 result: float = -50_000.00) -> Path:
    """`small_report`'s two units with figures that move by `step` and still add up, for trends across years.

    `omit` leaves rows out as (unit, label) pairs, as a unit that did not print that figure that year.
    `result` is the finance summary's result for the year (income is fixed, expenses follow).
    """
    adults, children = 36 + 2 * step, 34 + step
    adult_days, child_days = 2600 + 150 * step, 2400 + 100 * step
    municipal, other = 990_000.00 + 25_000.00 * step, 10_000.00 + 1_234.56 * step
    rows = {
        "ENSIKOTI": (
            Figure("Asiakkaita yhteensä", str(adults + children), "hlö", bold=True),
            Figure("Aikuiset", str(adults), "hlö", level=1),
            Figure("Lapset", str(children), "hlö", level=1),
            Figure("Hoitovuorokaudet yhteensä", str(adult_days + child_days), "kpl", bold=True),
            Figure("Aikuisten hoitovuorokaudet", str(adult_days), "kpl", level=1),
            Figure("Lasten hoitovuorokaudet", str(child_days), "kpl", level=1),
            Figure("Käyttöaste", f"{70 + 3.25 * step:.2f}".replace(".", ","), "%"),
            Heading("TOIMINTAYMPÄRISTÖ"),
            Figure("Henkilökunta", str(10 + step), "hlö", level=1),
            Heading("RAHOITUS"),
            Figure("Kunnat ja kuntayhtymät", euro(municipal), "€", level=1),
            Figure("Muut tuotot", euro(other), "€", level=1),
            Figure("Tuotot yhteensä", euro(municipal + other), "€", level=1, bold=True),
        ),
        "TURVAKOTI": (
            Figure("Asiakkaita yhteensä", str(100 + 5 * step), "hlö", bold=True),
            Figure("Aikuiset", str(60 + 3 * step), "hlö", level=1),
            Figure("Lapset", str(40 + 2 * step), "hlö", level=1),
            Figure("Käyttöaste", f"{50.25 + 4 * step:.2f}".replace(".", ","), "%"),
            Heading("TOIMINTAYMPÄRISTÖ"),
            Figure("Henkilökunta", str(8 - step), "hlö", level=1),
            Heading("RAHOITUS"),
            Figure("Valtio", euro(800_000.00 + 10_000.00 * step), "€", level=1),
            Figure("Muut tuotot", euro(5_000.50), "€", level=1),
            Figure("Tuotot yhteensä", euro(805_000.50 + 10_000.00 * step), "€", level=1, bold=True),
        ),
    }
    pages = [cover(year)]
    for unit, figures in rows.items():
        kept = tuple(r for r in figures if not (isinstance(r, Figure) and (unit, r.label) in omit))
        pages.append(Page(Statistics(unit, year, rows=kept)))
    income = 3_000_000.00
    words = "Tilikauden ylijäämä" if result >= 0 else "Tilikauden alijäämä"
    pages.append(Page(FinanceSummary(year, (("Kokonaistuotot", euro(income)), ("Kokonaiskulut", euro(result - income)),
                                            (words, euro(result)), ("Taseen loppusumma", euro(700_000.00))))))
    return write_report(path, pages)
