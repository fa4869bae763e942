"""PDFs that are no annual reports: never a false discovery, never a crash (issue 19, part 9).

Finding statistics by content must not find them in an invoice, a table of numbers, a form, a
scientific table or random text with numbers. Each is drawn here and run through the real command
line (`python -m etk_report.cli extract FILE --out DIR`, all started together once per module).
Each must end in exit 2 with one stderr line (not a report), or in exit 0 with no figure: none of
these documents prints a statistics title or an annual report's title, so any figure read from one
is a false discovery. `benchmarks/corpus_run.py` does the same for a folder of real PDFs
(pdfplumber's own test corpus).
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas as rl_canvas

from pdf_factory import NBSP, REGULAR, BOLD, _register_fonts, _with_stand_ins, euro

REPO = Path(__file__).resolve().parents[1]
A4 = (595.2756, 841.8898)


class _Doc:
    """A few helpers over a reportlab canvas, y measured from the top (as pdfplumber's `top`)."""

    def __init__(self, path: Path, landscape: bool = False) -> None:
        _register_fonts()
        self.size = (A4[1], A4[0]) if landscape else A4
        self.c = rl_canvas.Canvas(str(path), pagesize=self.size, pageCompression=0, invariant=1)
        self.page = 1

    def text(self, x: float, y: float, text: str, size: float = 10.0, bold: bool = False,
             right: bool = False) -> None:
        self.c.setFont(BOLD if bold else REGULAR, size)
        draw = self.c.drawRightString if right else self.c.drawString
        draw(x, self.size[1] - y, _with_stand_ins(text))

    def rule(self, x0: float, y0: float, x1: float, y1: float, curve: bool = False) -> None:
        h = self.size[1]
        if not curve:
            self.c.line(x0, h - y0, x1, h - y1)
            return
        path = self.c.beginPath()
        path.moveTo(x0, h - y0)
        path.lineTo((x0 + x1) / 2, h - (y0 + y1) / 2)
        path.lineTo(x1, h - y1)
        self.c.drawPath(path, stroke=1, fill=0)

    def grid(self, x_edges: list[float], y_edges: list[float], curve: bool = False) -> None:
        for y in y_edges:
            self.rule(x_edges[0], y, x_edges[-1], y, curve)
        for x in x_edges:
            self.rule(x, y_edges[0], x, y_edges[-1], curve)

    def footer(self, text: str) -> None:
        self.text(60, self.size[1] - 28, text, 8.5)
        self.text(self.size[0] - 60, self.size[1] - 28, str(self.page), 8.5, right=True)

    def next_page(self) -> None:
        self.c.showPage()
        self.page += 1

    def save(self) -> None:
        self.c.save()
        # reportlab writes stand-ins for the no-break space; name them as the real character
        path = Path(self.c._filename)
        data = path.read_bytes().replace(b" <E000>", b" <00A0>")
        path.write_bytes(data)


def invoice(path: Path) -> None:
    """Three pages of an invoice: items in a ruled table with quantities, units and euro amounts,
    a VAT line, totals, and a footer with the company's name and the page number."""
    doc = _Doc(path)
    rng = random.Random(7)
    items = ["Siivous", "Ikkunanpesu", "Kuljetus", "Tarvikkeet", "Huolto", "Asennus", "Suunnittelu"]
    for page in range(3):
        doc.text(60, 60, "LASKU", 18, bold=True)
        doc.text(400, 60, f"Laskun numero {20240 + page}", 10)
        doc.text(400, 76, "Päivämäärä 12.3.2024", 10)
        doc.text(400, 92, "Eräpäivä 26.3.2024", 10)
        doc.text(60, 110, "Esimerkki Oy, Esimerkkikatu 4, 00100 Helsinki", 10)
        x = [55, 250, 310, 360, 450, 540]
        y = [140 + 20 * k for k in range(16)]
        doc.grid(x, y)
        for k, head in enumerate(("Tuote", "Määrä", "Yks.", "À-hinta", "Yhteensä")):
            doc.text(x[k] + 4, y[0] + 14, head, 9, bold=True)
        total = 0.0
        for row in range(1, 15):
            qty, price = rng.randint(1, 40), rng.randint(100, 99999) / 100
            total += qty * price
            doc.text(x[0] + 4, y[row] + 14, rng.choice(items), 9)
            doc.text(x[2] - 4, y[row] + 14, str(qty), 9, right=True)
            doc.text(x[2] + 4, y[row] + 14, rng.choice(("h", "kpl", "krt")), 9)
            doc.text(x[4] - 4, y[row] + 14, euro(price) + " €", 9, right=True)
            doc.text(x[5] - 4, y[row] + 14, euro(qty * price) + " €", 9, right=True)
        doc.text(360, 480, "Veroton yhteensä", 10)
        doc.text(540, 480, euro(total) + " €", 10, right=True)
        doc.text(360, 496, "ALV 24 %", 10)
        doc.text(540, 496, euro(total * 0.24) + " €", 10, right=True)
        doc.text(360, 512, "Yhteensä", 10, bold=True)
        doc.text(540, 512, euro(total * 1.24) + " €", 10, bold=True, right=True)
        doc.footer("Esimerkki Oy | Y-tunnus 1234567-8 | Lasku 2024")
        doc.next_page()
    doc.save()


def number_table(path: Path) -> None:
    """A landscape table of numbers: regions by years, with a change column and percentages."""
    doc = _Doc(path, landscape=True)
    rng = random.Random(11)
    years = ["2019", "2020", "2021", "2022", "2023", "muutos %"]
    x = [40] + [200 + 90 * k for k in range(len(years) + 1)]
    y = [80 + 18 * k for k in range(22)]
    doc.text(40, 60, "Taulukko 3. Asukkaat alueittain", 12, bold=True)
    doc.grid(x, y)
    for k, head in enumerate(years):
        doc.text(x[k + 2] - 4, y[0] + 13, head, 9, bold=True, right=True)
    for row in range(1, 21):
        doc.text(44, y[row] + 13, f"Alue {row}", 9)
        for k in range(5):
            doc.text(x[k + 2] - 4, y[row] + 13, f"{rng.randint(100, 99999):,}".replace(",", NBSP), 9, right=True)
        doc.text(x[7] - 4, y[row] + 13, f"{rng.uniform(-9, 9):.1f}".replace(".", ",") + " %", 9, right=True)
    doc.save()


def form(path: Path) -> None:
    """A form: labels, blank lines to write on, check boxes, a phone number and a postcode."""
    doc = _Doc(path)
    doc.text(60, 60, "HAKEMUS", 16, bold=True)
    fields = ["Nimi", "Henkilötunnus", "Osoite", "Postinumero ja -toimipaikka", "Puhelin", "Sähköposti",
              "Lasten lukumäärä", "Tulot kuukaudessa (€)"]
    for k, label in enumerate(fields):
        top = 100 + 36 * k
        doc.text(60, top, label, 10)
        doc.rule(230, top + 2, 540, top + 2)
    doc.text(232, 100 + 36 * 4 - 2, "040 123 4567", 10)
    doc.text(232, 100 + 36 * 3 - 2, "00100 Helsinki", 10)
    for k, choice in enumerate(("Kyllä", "Ei", "En osaa sanoa")):
        doc.c.rect(60 + 120 * k, doc.size[1] - 420, 10, 10)
        doc.text(76 + 120 * k, 418, choice, 10)
    doc.text(60, 470, "Päiväys ja allekirjoitus", 10)
    doc.rule(230, 472, 540, 472)
    doc.text(60, 800, "Lomake 12/2024 versio 3", 8)
    doc.save()


def scientific_table(path: Path) -> None:
    """A paper's results table, rules drawn as curves, decimal points, ± and p-values, over two pages."""
    doc = _Doc(path)
    rng = random.Random(13)
    for page in range(2):
        doc.text(60, 60, f"Table {page + 2}. Outcomes by group (n = 412)", 11, bold=True)
        x = [55, 200, 260, 360, 450, 540]
        y = [80 + 18 * k for k in range(14)]
        doc.grid(x, [y[0], y[1], y[-1]], curve=True)
        for k, head in enumerate(("Group", "n", "Mean ± SD", "95% CI", "p")):
            doc.text(x[k] + 4, y[0] + 13, head, 9, bold=True)
        for row in range(1, 13):
            mean, sd = rng.uniform(1, 90), rng.uniform(0.1, 9)
            doc.text(x[0] + 4, y[row] + 13, f"Group {chr(64 + row)}", 9)
            doc.text(x[2] - 4, y[row] + 13, str(rng.randint(8, 120)), 9, right=True)
            doc.text(x[2] + 4, y[row] + 13, f"{mean:.2f} ± {sd:.2f}", 9)
            doc.text(x[3] + 4, y[row] + 13, f"{mean - 2 * sd:.1f}–{mean + 2 * sd:.1f}", 9)
            doc.text(x[4] + 4, y[row] + 13, f"{rng.uniform(0, 0.2):.3f}", 9)
        for k in range(8):
            doc.text(60, 360 + 14 * k, f"Values are means ± SD; {rng.randint(2, 30)} participants were excluded "
                                       f"after {rng.randint(2, 12)} weeks.", 9)
        doc.footer(f"Journal of Examples 2024; 12({page + 1})")
        doc.next_page()
    doc.save()


def random_text(path: Path) -> None:
    """Pages of seeded random words and numbers, some lines shaped `word 12 word` like a figure row."""
    doc = _Doc(path)
    rng = random.Random(17)
    words = ["perhe", "lapset", "hlö", "kpl", "vuosi", "kunnat", "toiminta", "käynnit", "ryhmä", "€", "%",
             "yhteensä", "Asiakkaat", "Lahti", "raportti", "sivu", "talous", "kertaa"]
    for page in range(4):
        for k in range(45):
            parts = []
            for _ in range(rng.randint(2, 11)):
                parts.append(str(rng.choice([rng.randint(0, 2500), rng.randint(0, 99)]))
                             if rng.random() < 0.3 else rng.choice(words))
            doc.text(60 + rng.choice((0, 0, 12, 150)), 60 + 16 * k, " ".join(parts), 10)
        doc.next_page()
    doc.save()


DOCUMENTS = {"invoice": invoice, "number-table": number_table, "form": form,
             "scientific-table": scientific_table, "random-text": random_text}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("not-reports")
    started = {}
    for name, draw in DOCUMENTS.items():
        pdf = folder / f"{name}.pdf"
        draw(pdf)
        out = folder / "out" / name
        proc = subprocess.Popen([sys.executable, "-m", "etk_report.cli", "extract", str(pdf), "--out", str(out)],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                encoding="utf-8")
        started[name] = (pdf, out, proc)
    results = {}
    for name, (pdf, out, proc) in started.items():
        stdout, stderr = proc.communicate(timeout=300)
        results[name] = (pdf, out, proc.returncode, stdout, stderr)
    return results


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_document_that_is_no_report_is_never_read_as_one(runs, name):
    pdf, out, code, stdout, stderr = runs[name]
    assert "Traceback" not in stdout + stderr
    if code == 2:
        errors = [line for line in stderr.splitlines() if not line.startswith("warning:")]
        assert len(errors) == 1 and str(pdf) in errors[0], stderr
        assert not (out / "figures.csv").exists()
    else:
        assert code == 0, stderr
        with (out / "figures.csv").open(encoding="utf-8") as fh:
            figures = list(csv.DictReader(fh))
        assert figures == []  # nothing here is a statistics block: any figure is a false discovery


def test_the_documents_are_what_they_claim(tmp_path):
    """The drawn documents hold what makes them hard: rows of numbers with units, rules (as lines and
    as curves), a running footer; so a pass above is not a pass on empty pages."""
    import pdfplumber

    for name, draw in DOCUMENTS.items():
        draw(tmp_path / f"{name}.pdf")
    with pdfplumber.open(tmp_path / "invoice.pdf") as doc:
        assert len(doc.pages) == 3 and doc.pages[0].lines and "ALV 24 %" in doc.pages[0].extract_text()
        assert "Lasku 2024" in doc.pages[2].extract_text()
    with pdfplumber.open(tmp_path / "scientific-table.pdf") as doc:
        assert doc.pages[0].curves and not doc.pages[0].lines
        assert doc.pages[0].find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
    with pdfplumber.open(tmp_path / "number-table.pdf") as doc:
        assert len(doc.pages[0].find_tables()[0].rows) == 21
    with pdfplumber.open(tmp_path / "random-text.pdf") as doc:
        assert sum(ch.isdigit() for ch in doc.pages[0].extract_text()) > 100
