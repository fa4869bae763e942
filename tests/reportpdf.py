"""Small synthetic annual reports drawn with reportlab, laid out like the real one.

Why: flow tests need a second report year and a report that fails validation,
read by the real extractor and checked by the real validator. The geometry copies
fixtures/toimintakertomus-2022.pdf: A4, a cover with 'TOIMINTAKERTOMUS v. YYYY',
one '<UNIT> / Toimintalukuja v. YYYY' page per unit (labels at x=60, indented
rows and section rows at x=72, counts right-aligned at x=240 with the unit of
measure after, euro amounts right-aligned at x=262 with '€' at x=269, notes at
x=270) and a 'YHTEENVETO TALOUSLUVUISTA' page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

NBSP = "\u00a0"
WIDTH, HEIGHT = A4


@dataclass
class Row:
    kind: str                 # 'figure', 'euro', 'section', 'text'
    label: str
    value: float | None = None
    uom: str = ""
    indent: bool = False
    bold: bool = False
    note: str | None = None


def fig(label: str, value: float, uom: str, indent: bool = False, bold: bool = False,
        note: str | None = None) -> Row:
    return Row("figure", label, value, uom, indent, bold, note)


def euro(label: str, value: float, bold: bool = False) -> Row:
    return Row("euro", label, value, "€", True, bold)


def section(title: str) -> Row:
    return Row("section", title, bold=True)


def text(line: str) -> Row:
    return Row("text", line)


def fi_number(value: float) -> str:
    """Counts as plain digits, decimals with a comma: 77.78 -> '77,78'."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".replace(".", ",")


def fi_euros(value: float) -> str:
    """'1 028 323,76' with no-break spaces, no sign (a negative gets a trailing ' -')."""
    whole, cents = f"{abs(value):,.2f}".split(".")
    return whole.replace(",", NBSP) + "," + cents


class _Page:
    def __init__(self, c: canvas.Canvas):
        self.c = c

    def text(self, x: float, top: float, s: str, size: float = 10.5, bold: bool = False,
             right: bool = False) -> None:
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        y = HEIGHT - top - size * 0.8  # pdfplumber 'top' is the glyph box top; baseline below it
        (self.c.drawRightString if right else self.c.drawString)(x, y, s)


def _unit_page(c: canvas.Canvas, number: int, unit: str, year: int, rows: list[Row]) -> None:
    p = _Page(c)
    p.text(523, 34.5, str(number), size=10)
    p.text(60, 76.6, f"{unit} / Toimintalukuja v. {year}", size=12.5, bold=True)
    top = 104.6
    for row in rows:
        if row.kind == "section":
            top += 6
            p.text(60, top, row.label, size=11, bold=True)
        elif row.kind == "text":
            p.text(60, top, row.label)
        elif row.kind == "euro":
            p.text(72, top, row.label, bold=row.bold)
            p.text(262, top, fi_euros(row.value) + (" -" if row.value < 0 else ""), bold=row.bold, right=True)
            p.text(269, top, "€", bold=row.bold)
        else:
            p.text(72 if row.indent else 60, top, row.label, bold=row.bold)
            # one text run '82 hlö' whose number ends at x=240, as in the real report
            font = "Helvetica-Bold" if row.bold else "Helvetica"
            number = fi_number(row.value)
            x = 240 - c.stringWidth(number, font, 10.5)
            p.text(x, top, f"{number} {row.uom}", bold=row.bold)
            if row.note:
                p.text(270, top, row.note)
        top += 17.5
    c.showPage()


def _finance_page(c: canvas.Canvas, number: int, year: int, rows: list[tuple[str, float]]) -> None:
    p = _Page(c)
    p.text(523, 34.5, str(number), size=10)
    p.text(124, 622.5, f"YHTEENVETO TALOUSLUVUISTA 31.12.{year}", size=11.5, bold=True)
    top = 648.9
    for label, value in rows:
        p.text(124, top, label, size=11)
        p.text(410, top, fi_euros(value), size=11, right=True)
        if value < 0:
            p.text(414, top, "-", size=11)
        p.text(428, top, "€", size=11)
        top += 17
    c.showPage()


def write_report(path: str | Path, year: int, units: dict[str, list[Row]],
                 finance: list[tuple[str, float]]) -> Path:
    """A report PDF with a cover, one statistics page per unit and a finance summary page."""
    path = Path(path)
    c = canvas.Canvas(str(path), pagesize=A4)
    cover = _Page(c)
    cover.text(146.6, 102.2, "LAHDEN ENSI- JA TURVAKOTI RY:N", size=21, bold=True)
    cover.text(151.9, 642.9, "TOIMINTAKERTOMUS", size=32, bold=True)
    cover.text(261.7, 683.9, f"v. {year}", size=24, bold=True)
    c.showPage()
    page = 2
    for unit, rows in units.items():
        _unit_page(c, page, unit, year, rows)
        page += 1
    _finance_page(c, page, year, finance)
    c.save()
    return path


def small_report(path: str | Path, year: int = 2021, income_total: float | None = None) -> Path:
    """Two units whose figures all add up, unless `income_total` overrides ENSIKOTI's printed
    'Tuotot yhteensä' (the parts add up to 1 000 000,00): then a critical check must fail."""
    ensikoti_total = 1_000_000.00 if income_total is None else income_total
    units = {
        "ENSIKOTI": [
            fig("Asiakkaita yhteensä", 70, "hlö", bold=True, note="25:stä eri perheestä"),
            fig("Aikuiset", 36, "hlö", indent=True, note="28 naista, 8 miestä"),
            fig("Lapset", 34, "hlö", indent=True),
            fig("Hoitovuorokaudet yhteensä", 5000, "kpl", bold=True),
            fig("Aikuisten hoitovuorokaudet", 2600, "kpl", indent=True),
            fig("Lasten hoitovuorokaudet", 2400, "kpl", indent=True),
            fig("Käyttöaste", 70.5, "%"),
            fig("Asiakaskuntia", 2, "kpl"),
            text("Kunnat:  Lahti ja Hollola"),
            section("TOIMINTAYMPÄRISTÖ"),
            fig("Henkilökunta", 10, "hlö", indent=True),
            fig("Opiskelijat", 3, "hlö", indent=True),
            section("RAHOITUS"),
            euro("Kunnat ja kuntayhtymät", 990_000.00),
            euro("Muut tuotot", 10_000.00),
            euro("Tuotot yhteensä", ensikoti_total, bold=True),
        ],
        "TURVAKOTI": [
            fig("Asiakkaita yhteensä", 100, "hlö", bold=True),
            fig("Aikuiset", 60, "hlö", indent=True),
            fig("Lapset", 40, "hlö", indent=True),
            fig("Käyttöaste", 50.25, "%"),
            section("TOIMINTAYMPÄRISTÖ"),
            fig("Henkilökunta", 8, "hlö", indent=True),
            section("RAHOITUS"),
            euro("Valtio", 800_000.00),
            euro("Muut tuotot", 5_000.50),
            euro("Tuotot yhteensä", 805_000.50, bold=True),
        ],
    }
    finance = [("Kokonaistuotot", 3_000_000.00), ("Kokonaiskulut", -3_050_000.00),
               ("Tilikauden alijäämä", -50_000.00), ("Taseen loppusumma", 700_000.00)]
    return write_report(path, year, units, finance)
