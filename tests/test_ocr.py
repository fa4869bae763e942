"""Issue 11: statistics printed as pictures are read by OCR, every OCR figure marked and checked.

Statistics pages are drawn by `pdf_factory` (the layouts of the layout tests), rasterised with
pypdfium2 at 150, 200 and 300 dpi (some with grey noise and a rotation of up to 1 degree) and saved
as image-only PDFs. What OCR extracts is compared with the text-layer extraction of the very pages
that were rasterised. Tests that need Tesseract skip only outside CI when it is missing; in CI
(`CI` set) they run, and a missing Tesseract fails `test_tesseract_is_installed_where_ci_runs`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from conftest import SAMPLE_PDF
from pdf_factory import NBSP, Narrative, Page, cover, scanned_copy, small_report, write_report
from pipeline.errors import EnvironmentProblem
from pipeline.extract.ocr import tesseract as ocr
from pipeline.extract.layout.lines import group_lines
from pipeline.extract.read.pages import Word
from pipeline.extract.report import extract_report
from test_extract_layouts import LAYOUTS, ensikoti_like, finance, new_unit, peukaloinen_like

REPO = Path(__file__).resolve().parents[1]
OCR_PROBLEM = ocr.tesseract_problem()
needs_tesseract = pytest.mark.skipif(OCR_PROBLEM is not None and not os.environ.get("CI"),
                                     reason=f"{OCR_PROBLEM} (OCR tests never skip in CI)")


def test_tesseract_is_installed_where_ci_runs():
    if OCR_PROBLEM is not None and not os.environ.get("CI"):
        pytest.skip(OCR_PROBLEM)
    assert OCR_PROBLEM is None, f"CI must install tesseract-ocr and tesseract-ocr-fin: {OCR_PROBLEM}"


# -- pure parts: no Tesseract needed ---------------------------------------------------------------------

HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title></head><body>
<div class='ocr_page' id='page_1' title='image "stdin"; bbox 0 0 2480 3508; ppageno 0'>
 <div class='ocr_carea' id='block_1_1' title="bbox 200 600 1400 700">
  <p class='ocr_par' id='par_1_1' lang='fin' title="bbox 200 600 1400 700">
   <span class='ocr_line' id='line_1_1' title="bbox 200 600 1400 650; baseline 0.01 -10; x_size 35; x_descenders 8; x_ascenders 9">
    <span class='ocrx_word' id='word_1_1' title='bbox 200 600 400 640; x_wconf 96'>Aikuiset</span>
    <span class='ocrx_word' id='word_1_2' title='bbox 900 608 960 648; x_wconf 71'>42hl&#246;</span>
    <span class='ocrx_word' id='word_1_3' title='bbox 1000 610 1030 648; x_wconf 40'>&#8212;</span>
   </span>
  </p>
 </div>
</div></body></html>"""


def test_hocr_words_become_parser_words_in_points():
    words = ocr.parse_hocr(HOCR)
    assert [(w.text, w.confidence) for w in words] == [("Aikuiset", 96.0), ("42hlö", 71.0), ("—", 40.0)]
    assert words[0].line.slope == 0.01 and words[0].line.x_size == 35
    parsed = ocr.to_words(words, dpi=300)
    assert [w.text for w in parsed] == ["Aikuiset", "42", "hlö"]  # the dash dropped, the glued unit split
    label, number, unit = parsed
    assert label.x0 == pytest.approx(200 * 72 / 300, abs=3)
    assert number.confidence == 71.0 and unit.x0 > number.x1
    # the page's rotation (slope 0.01) is undone: the words sit on one level baseline
    assert label.bottom == pytest.approx(number.bottom, abs=0.2)
    assert label.size == pytest.approx(35 / 0.8 * 72 / 300, abs=0.01)
    line, = group_lines(parsed)
    assert line.text == "Aikuiset 42 hlö"


@pytest.mark.parametrize("printed, mended", [
    ("653;05", "653,05"), ("1028:323,76", f"1{NBSP}028{NBSP}323,76"), ("1.028.323,76", f"1{NBSP}028{NBSP}323,76"),
    ("77,78", "77,78"), ("5845", "5845"), ("31.12.2022", "31.12.2022"), ("Lahti", "Lahti"),
])
def test_separators_misread_inside_a_number(printed, mended):
    assert ocr.mend_number(printed) == mended


def _word(text: str, x0: float, x1: float, conf: float = 95.0) -> Word:
    return Word(text, x0, x1, 100.0, 110.0, 10.0, conf)


def test_split_title_words_and_lost_thousands_spaces_are_mended():
    words = [_word("ENSIKOTI", 60, 110), _word("/", 113, 116), _word("To", 120, 132), _word("imintalukuja", 132.5, 190),
             _word("v.", 194, 202), _word("2023", 205, 230)]
    assert [w.text for w in ocr.mend_words(words)] == ["ENSIKOTI", "/", "Toimintalukuja", "v.", "2023"]
    # an ordinary word pair that nearly touches (`Kunnat ja`, the j's hook under the t) stays two words
    assert [w.text for w in ocr.mend_words([_word("Kunnat", 60, 96), _word("ja", 96.5, 106)])] == ["Kunnat", "ja"]
    amount = ocr.mend_words([_word("1028", 200, 224, 90), _word("323,76", 227, 260, 80)])
    assert [w.text for w in amount] == [f"1{NBSP}028", "323,76"]
    line, = group_lines(amount)
    assert [(w.text, w.confidence) for w in line.words] == [(f"1{NBSP}028{NBSP}323,76", 80)]


def test_ocr_off_names_image_pages_and_reads_the_rest(tmp_path):
    pdf = scanned_copy(small_report(tmp_path / "r.pdf"), tmp_path / "scan.pdf", 100, pages=[3])
    ex = extract_report(pdf, ocr="off")
    assert ex.image_pages == [3]
    assert ex.units == ["ENSIKOTI"]
    assert set(ex.figures["source"]) == {"text"} and ex.figures["confidence"].isna().all()
    assert [i.kind for i in ex.issues if i.page == 3] == ["image_page"]


def test_without_tesseract_auto_says_what_to_install_and_force_is_an_environment_error(tmp_path, monkeypatch):
    pdf = scanned_copy(small_report(tmp_path / "r.pdf"), tmp_path / "scan.pdf", 100, pages=[3])
    monkeypatch.setattr(ocr, "tesseract_problem", lambda language="fin": f"Tesseract not found; {ocr.INSTALL_HINT}")
    ex = extract_report(pdf)  # auto
    assert ex.units == ["ENSIKOTI"]
    assert {(i.page, i.kind) for i in ex.issues} >= {(3, "image_page"), (None, "ocr_unavailable")}
    install = [w for w in ex.warnings if "apt-get install tesseract-ocr tesseract-ocr-fin" in w]
    assert len(install) == 1
    with pytest.raises(EnvironmentProblem, match="tesseract-ocr-fin"):
        extract_report(pdf, ocr="force")


def test_cli_without_tesseract_on_path(tmp_path):
    """`auto` exits 0 and says what to install; `force` exits 3 with one line on stderr."""
    pdf = scanned_copy(small_report(tmp_path / "r.pdf"), tmp_path / "scan.pdf", 100, pages=[3])
    env = {**os.environ, "PATH": str(tmp_path)}  # no tesseract here

    def run(*args):
        return subprocess.run([sys.executable, "-m", "etk_report.cli", "extract", str(pdf), "--out",
                               str(tmp_path / "out"), *args], capture_output=True, text=True, cwd=REPO, env=env,
                              timeout=120)

    auto = run()
    assert auto.returncode == 0, auto.stderr
    assert "apt-get install tesseract-ocr tesseract-ocr-fin" in auto.stderr  # a warning, on stderr
    assert "page 3" in auto.stderr
    forced = run("--ocr", "force")
    assert forced.returncode == 3
    assert "Traceback" not in forced.stderr and len(forced.stderr.strip().splitlines()) == 1
    assert "tesseract-ocr-fin" in forced.stderr


def test_a_report_without_image_pages_does_not_load_ocr(tmp_path):
    """Cost: OCR code is imported only when a report has image pages."""
    pdf = small_report(tmp_path / "r.pdf")
    code = ("import sys; from pipeline.extract.report import extract_report; ex = extract_report(sys.argv[1]); "
            "print(len(ex.figures), 'pipeline.extract.ocr.tesseract' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code, str(pdf)], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.stdout.split() == ["21", "False"], proc.stderr


# -- generated pages, rasterised ------------------------------------------------------------------------

SCANNED = [2, 3, 4, 5]  # the four statistics pages; the finance page stays text (its OCR: test_sample_...)


def ocr_test_pages() -> list:
    return [
        cover(2023),                                                                          # 1 stays text
        Page(ensikoti_like(LAYOUTS["usual-columns"], 2.0)),                                   # 2
        Page(dataclasses.replace(ensikoti_like(LAYOUTS["euro-column-left-of-counts"], -2.0),   # 3
                                 unit="ENSIKOTI B")),
        Page(Narrative.filler(12), peukaloinen_like(NBSP), top=60),                           # 4
        Page(Narrative.filler(6), new_unit(NBSP), Narrative.filler(5, heading="5.3 Nettiturvakotitoiminta")),  # 5
        Page(Narrative.filler(10), finance(NBSP)),                                            # 6
    ]


# (dpi, grey noise sigma, rotation in degrees)
SCANS = {
    "150dpi": (150, 0.0, 0.0),
    "200dpi-noise-rotated-left": (200, 8.0, -1.0),
    "300dpi-noise-rotated-right": (300, 6.0, 0.8),
}


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ocr")
    src = write_report(folder / "drawn.pdf", ocr_test_pages())
    return src, extract_report(src, ocr="off")


@pytest.fixture(scope="module")
def scanned(drawn, tmp_path_factory):
    """Each scan variant extracted (with OCR) and validated once for the module."""
    from pipeline.validate.run import validate_extraction

    src, _ = drawn
    folder = tmp_path_factory.mktemp("scans")
    cache = {}

    def get(name: str):
        if name not in cache:
            dpi, noise, rotate = SCANS[name]
            pdf = scanned_copy(src, folder / f"{name}.pdf", dpi, pages=SCANNED, noise=noise, rotate=rotate, seed=dpi)
            ex = extract_report(pdf)
            cache[name] = ex, validate_extraction(ex)
        return cache[name]

    return get


def figure_keys(figures: pd.DataFrame) -> Counter:
    return Counter(zip(figures["unit"], figures["page"], figures["label"], figures["value"].astype(float),
                       figures["uom"]))


def is_flagged(ex, report, unit: str, page: int, label: str | None) -> bool:
    """A person is told: a low-confidence warning names the label, or a failed check names the row (or,
    for a figure OCR did not read at all, its unit)."""
    for issue in ex.issues:
        if issue.kind == "ocr_low_confidence" and issue.unit == unit and issue.page == page and f"'{label}'" in issue.text:
            return True
    for failure in report.failures:
        if failure.table == "extraction_issues" or failure.unit != unit or failure.page != page:
            continue
        if label is None or failure.label == label or label in (failure.detail or ""):
            return True
    return False


def test_drawn_pages_are_read_from_their_text_layer(drawn):
    _, truth = drawn
    assert truth.units == ["ENSIKOTI", "ENSIKOTI B", "PÄIVÄRYHMÄ PEUKALOINEN", "UUSI PERHEKESKUS"]
    assert len(truth.figures) == 57 and set(truth.figures["source"]) == {"text"}


@needs_tesseract
@pytest.mark.parametrize("name", SCANS)
def test_scanned_pages_are_read_by_ocr_and_marked(scanned, drawn, name):
    ex, _ = scanned(name)
    _, truth = drawn
    assert ex.units == truth.units
    assert set(ex.figures["source"]) == {"ocr"}
    assert ex.figures["confidence"].between(0, 100).all()
    assert ex.image_pages == SCANNED
    said = {(i.page, i.kind) for i in ex.issues}
    assert {(p, "ocr_page") for p in SCANNED} <= said  # every OCR page is named as such


def test_at_200_dpi_and_above_at_least_98_percent_of_figures_are_exact(scanned, drawn):
    if OCR_PROBLEM is not None and not os.environ.get("CI"):
        pytest.skip(OCR_PROBLEM)
    _, truth = drawn
    want = figure_keys(truth.figures)
    exact = total = 0
    for name, (dpi, _, _) in SCANS.items():
        if dpi >= 200:
            exact += sum((figure_keys(scanned(name)[0].figures) & want).values())
            total += sum(want.values())
    assert exact / total >= 0.98, f"{exact}/{total} exact"


@needs_tesseract
@pytest.mark.parametrize("name", SCANS)
def test_every_inexact_figure_is_flagged(scanned, drawn, name):
    """At 150 dpi as at higher resolutions: a wrong value has a low confidence or fails a check."""
    ex, report = scanned(name)
    _, truth = drawn
    want, got = figure_keys(truth.figures), figure_keys(ex.figures)
    wrong = got - want
    missing = want - got
    unflagged = [k for k in wrong if not is_flagged(ex, report, k[0], k[1], k[2])]
    unflagged += [k for k in missing
                  if not any(is_flagged(ex, report, k[0], k[1], label) for label in (k[2], None))]
    assert not unflagged, f"not flagged: {unflagged}"


@needs_tesseract
def test_a_wrong_ocr_digit_is_caught_by_the_sum_check(tmp_path, monkeypatch):
    """One OCR misreading (990 000,00 read as 960 000,00) fails `Tuotot yhteensä`, and the check says OCR."""
    from pipeline.validate.run import validate_extraction

    pdf = scanned_copy(small_report(tmp_path / "r.pdf"), tmp_path / "scan.pdf", 300, pages=[2])
    real = ocr.run_tesseract

    def misreading(image, settings=ocr.SETTINGS, psm=None, allowed=None):
        return real(image, settings, psm, allowed).replace(">990<", ">960<")

    monkeypatch.setattr(ocr, "run_tesseract", misreading)
    ex = extract_report(pdf)
    funding = ex.figures[ex.figures["label"] == "Kunnat ja kuntayhtymät"]
    assert funding["value"].tolist() == [960000.0] and funding["source"].tolist() == ["ocr"]
    report = validate_extraction(ex)
    assert not report.passed
    failed = [f for f in report.critical if f.label == "Tuotot yhteensä" and f.unit == "ENSIKOTI"]
    assert failed and "OCR" in failed[0].detail


# -- the sample, its statistics page 44 replaced by a 200-dpi scan of itself -------------------------------

@pytest.fixture(scope="module")
def sample_scanned(tmp_path_factory):
    pdf = scanned_copy(SAMPLE_PDF, tmp_path_factory.mktemp("sample") / "scan44.pdf", 200, pages=[44])
    return extract_report(pdf)


@needs_tesseract
def test_sample_with_a_scanned_statistics_page(sample_scanned, sample_extraction):
    from pipeline.validate.run import validate_extraction

    ex = sample_scanned
    on44 = ex.figures[ex.figures["page"] == 44]
    assert set(on44["source"]) == {"ocr"} and set(ex.figures[ex.figures["page"] != 44]["source"]) == {"text"}
    unit = sample_extraction.figures.loc[sample_extraction.figures["page"] == 44, "unit"].iloc[0]
    assert set(on44["unit"]) == {unit}

    want, got = figure_keys(sample_extraction.figures), figure_keys(ex.figures)
    others = lambda c: Counter({k: n for k, n in c.items() if k[1] != 44})  # noqa: E731
    assert others(got) == others(want)  # every other unit stays exactly as it was
    unit_want = Counter({k: n for k, n in want.items() if k[1] == 44})
    exact = sum((got & unit_want).values())
    assert exact / sum(unit_want.values()) >= 0.95, f"{exact}/{sum(unit_want.values())}"
    report = validate_extraction(ex)
    unflagged = [k for k in (got - want) if not is_flagged(ex, report, k[0], k[1], k[2])]
    assert not unflagged
    # page 41 holds no text at all and OCR finds no title on it: it is still named
    assert [i.kind for i in ex.issues if i.page == 41] == ["image_page"]


@pytest.mark.parametrize("command", ["extract", "validate", "ingest"])
def test_every_command_takes_the_ocr_option(command):
    from etk_report.cli import _parser

    extra = ["--out", "x"] if command == "extract" else []
    assert _parser().parse_args([command, "r.pdf", *extra]).ocr == "auto"
    assert _parser().parse_args([command, "r.pdf", *extra, "--ocr", "force"]).ocr == "force"
    with pytest.raises(SystemExit):
        _parser().parse_args([command, "r.pdf", *extra, "--ocr", "sometimes"])


@needs_tesseract
def test_image_pages_past_the_limit_are_named_not_read(tmp_path):
    pdf = scanned_copy(small_report(tmp_path / "r.pdf"), tmp_path / "scan.pdf", 100, pages=[1, 3])
    words, issues = ocr.read_image_pages(pdf, [1, 3], "auto", dataclasses.replace(ocr.SETTINGS, max_pages=1))
    assert 3 not in words
    assert [(i.page, i.kind, i.severity) for i in issues if i.page == 3] == [(3, "page_over_limit", "critical")]
