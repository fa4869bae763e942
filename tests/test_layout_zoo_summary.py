"""Issue 19: the layout zoo's summary-chapter cases. Statistics printed under no `/ Toimintalukuja`
title: a closing chapter (`KOOSTE ASIAKASTYÖSTÄ`) with work-area headings and unit subheadings on the
line of the year heads, 1-3 year columns, a change column, the unit of measure in the row's slot,
after each value or in a head, previous-year values in parentheses, units as bold subheadings with
no heads at all, and a table continued on the next page. Expected rows are written out by hand:
(work_area, unit, unit_year, parent, label, value, uom). A property test draws random chapters.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from pdf_factory import Chapter, FinanceSummary, Narrative, Page, SummaryRow, UnitTable, cover, write_report
from pipeline.extract.report import extract_report

R = SummaryRow
YEAR = 2014
REPO = Path(__file__).resolve().parents[1]
SEED = 20140  # hypothesis seed, printed by the property test


def _rows(df: pd.DataFrame) -> list[tuple]:
    out = []
    for r in df.itertuples():
        out.append((None if pd.isna(r.work_area) else r.work_area, r.unit, int(r.unit_year),
                    None if pd.isna(r.parent) else r.parent, r.label, float(r.value), r.uom))
    return sorted(out, key=repr)


def _report(tmp_path: Path, *pages, name: str = "r.pdf") -> Path:
    return write_report(tmp_path / name, [cover(YEAR, title="VUOSIKERTOMUS"), Page(Narrative.filler(18)), *pages])


def _extract(path: Path):
    extraction = extract_report(path)
    assert extraction.report_year == YEAR
    return extraction


def test_a_summary_chapter_with_work_areas_and_unit_subheadings(tmp_path):
    path = _report(tmp_path, Page(
        Chapter("KOOSTE ASIAKASTYÖSTÄ"),
        UnitTable("Ensikoti", (R("Asiakasperheitä", ("31", "28"), "perhettä"),
                               R("Aikuisia", ("33", "30"), "henkilöä", level=1),
                               R("Hoitovuorokausia", ("4 120", "3 980"), "vrk")),
                  heads=("2014", "2013"), work_area="VAUVAPERHETYÖ"),
        UnitTable("Baby blues toiminta", (R("Puheluita", ("271", "240"), "kpl"),), heads=("2014", "2013")),
        UnitTable("Turvakoti", (R("Asiakkaita", ("120", "100"), "hlö"),), heads=("2014", "2013"),
                  work_area="PERHEVÄKIVALTA- JA KRIISITYÖ")))
    e = _extract(path)
    vauva, kriisi = "VAUVAPERHETYÖ", "PERHEVÄKIVALTA- JA KRIISITYÖ"
    assert _rows(e.figures) == sorted([
        (vauva, "Ensikoti", 2014, None, "Asiakasperheitä", 31.0, "perhettä"),
        (vauva, "Ensikoti", 2014, "Asiakasperheitä", "Aikuisia", 33.0, "henkilöä"),
        (vauva, "Ensikoti", 2014, None, "Hoitovuorokausia", 4120.0, "vrk"),
        (vauva, "Baby blues toiminta", 2014, None, "Puheluita", 271.0, "kpl"),
        (kriisi, "Turvakoti", 2014, None, "Asiakkaita", 120.0, "hlö")], key=repr)
    assert _rows(e.other_year_figures) == sorted([
        (vauva, "Ensikoti", 2013, None, "Asiakasperheitä", 28.0, "perhettä"),
        (vauva, "Ensikoti", 2013, "Asiakasperheitä", "Aikuisia", 30.0, "henkilöä"),
        (vauva, "Ensikoti", 2013, None, "Hoitovuorokausia", 3980.0, "vrk"),
        (vauva, "Baby blues toiminta", 2013, None, "Puheluita", 240.0, "kpl"),
        (kriisi, "Turvakoti", 2013, None, "Asiakkaita", 100.0, "hlö")], key=repr)
    assert not [i for i in e.issues if i.severity == "critical"]


@pytest.mark.parametrize("heads", [("2014", "2013"), ("v. 2014", "v. 2013", "v. 2012"), ("2014", "edellinen vuosi")])
def test_two_and_three_year_columns(tmp_path, heads):
    values = ("40", "38", "35")[:len(heads)]
    path = _report(tmp_path, Page(Chapter("TILASTOT"), UnitTable("Perhetupa", (
        R("Kävijöitä", values, "käyntiä"), R("Ryhmiä", ("6", "5", "4")[:len(heads)], "kpl")), heads=heads,
        column_step=110.0)))
    e = _extract(path)
    assert _rows(e.figures) == sorted([(None, "Perhetupa", 2014, None, "Kävijöitä", 40.0, "käyntiä"),
                                       (None, "Perhetupa", 2014, None, "Ryhmiä", 6.0, "kpl")], key=repr)
    others = _rows(e.other_year_figures)
    assert len(others) == 2 * (len(heads) - 1)
    assert {(o[2], o[5]) for o in others} == {(2014 - k, float(v)) for k in range(1, len(heads))
                                              for v in (values[k], ("6", "5", "4")[k])}
    assert 2014.0 not in set(e.figures["value"]) and 2013.0 not in set(e.other_year_figures["value"])


def test_a_change_column_is_kept_out_of_figures(tmp_path):
    path = _report(tmp_path, Page(Chapter("TOIMINTALUVUT"), UnitTable("Ensikoti", (
        R("Asiakkaita", ("120", "100"), "hlö", change="+20"), R("Käyttöaste", ("81", "85"), "%", change="-4,7")),
        heads=("2014", "2013"), change_head="muutos %")))
    e = _extract(path)
    assert sorted(e.figures["value"]) == [81.0, 120.0]
    assert sorted(e.other_year_figures["value"]) == [85.0, 100.0]
    assert not {20.0, -4.7} & (set(e.figures["value"]) | set(e.other_year_figures["value"]))
    assert not [i for i in e.issues if i.kind == "unclaimed_number"]


@pytest.mark.parametrize("place", ["slot", "after", "head"])
def test_the_unit_of_measure_before_the_values_after_them_or_in_a_head(tmp_path, place):
    uom = "" if place == "head" else "perhettä"
    path = _report(tmp_path, Page(Chapter("TILASTOTIETOJA"), UnitTable("Ensikoti", (
        R("Asiakasperheitä", ("31", "28"), uom), R("Uusia perheitä", ("12", "9"), uom, level=1)),
        heads=("2014", "2013"), uom_place=place, head_uom="perhettä")))
    e = _extract(path)
    assert _rows(e.figures) == sorted([(None, "Ensikoti", 2014, None, "Asiakasperheitä", 31.0, "perhettä"),
                                       (None, "Ensikoti", 2014, "Asiakasperheitä", "Uusia perheitä", 12.0,
                                        "perhettä")], key=repr)
    assert sorted(e.other_year_figures["value"]) == [9.0, 28.0]


def test_previous_year_values_in_parentheses(tmp_path):
    path = _report(tmp_path, Page(Chapter("TILASTOT"), UnitTable("Neuvonta", (
        R("Puheluita", ("271",), "kpl", paren="(2013: 269)"), R("Chat-keskusteluja", ("1 204",), "kpl",
                                                                paren="(2013: 1 100)")), uom_place="after")))
    e = _extract(path)
    assert _rows(e.figures) == sorted([(None, "Neuvonta", 2014, None, "Puheluita", 271.0, "kpl"),
                                       (None, "Neuvonta", 2014, None, "Chat-keskusteluja", 1204.0, "kpl")], key=repr)
    assert _rows(e.other_year_figures) == sorted([(None, "Neuvonta", 2013, None, "Puheluita", 269.0, "kpl"),
                                                  (None, "Neuvonta", 2013, None, "Chat-keskusteluja", 1100.0, "kpl")],
                                                 key=repr)
    assert e.figures["note"].isna().all()


def test_units_as_bold_subheadings_with_no_title_line(tmp_path):
    path = _report(tmp_path, Page(
        Narrative.filler(6, heading="5. ASIAKASTYÖ"),
        UnitTable("Ensikoti", (R("Asiakasperheitä", ("31",), "perhettä"), R("Aikuisia", ("33",), "hlö", level=1)),
                  uom_place="after"),
        UnitTable("Avopalvelu", (R("Käyntejä", ("410",), "käyntiä"),), uom_place="after")))
    e = _extract(path)
    assert _rows(e.figures) == sorted([(None, "Ensikoti", 2014, None, "Asiakasperheitä", 31.0, "perhettä"),
                                       (None, "Ensikoti", 2014, "Asiakasperheitä", "Aikuisia", 33.0, "hlö"),
                                       (None, "Avopalvelu", 2014, None, "Käyntejä", 410.0, "käyntiä")], key=repr)
    assert e.other_year_figures.empty


def test_a_summary_table_continued_on_the_next_page(tmp_path):
    path = _report(
        tmp_path,
        Page(Chapter("KOOSTE ASIAKASTYÖSTÄ"),
             UnitTable("Ensikoti", (R("Asiakasperheitä", ("31", "28"), "perhettä"),), heads=("2014", "2013"),
                       work_area="VAUVAPERHETYÖ")),
        Page(UnitTable(None, (R("Hoitovuorokausia", ("4 120", "3 980"), "vrk"),), heads=("2014", "2013"))),
        Page(UnitTable(None, (R("Käyttöaste", ("79", "80"), "%"),))))
    e = _extract(path)
    assert _rows(e.figures) == sorted([
        ("VAUVAPERHETYÖ", "Ensikoti", 2014, None, "Asiakasperheitä", 31.0, "perhettä"),
        ("VAUVAPERHETYÖ", "Ensikoti", 2014, None, "Hoitovuorokausia", 4120.0, "vrk"),
        ("VAUVAPERHETYÖ", "Ensikoti", 2014, None, "Käyttöaste", 79.0, "%")], key=repr)
    assert sorted(e.figures["page"]) == [3, 4, 5]
    assert sorted(e.other_year_figures["value"]) == [28.0, 80.0, 3980.0]


def test_heads_that_disagree_with_the_report_year_are_named(tmp_path):
    path = _report(tmp_path, Page(Chapter("TILASTOT"), UnitTable("Ensikoti", (
        R("Asiakkaita", ("31", "28"), "hlö"),), heads=("2016", "2015"))))
    e = _extract(path)
    assert e.figures.empty
    assert [(i.page, i.severity) for i in e.issues if i.kind == "year_columns_disagree"] == [(3, "critical")]


def test_a_report_whose_statistics_cannot_be_found_is_no_bad_input(tmp_path):
    path = write_report(tmp_path / "r.pdf", [cover(YEAR, title="VUOSIKERTOMUS"), Page(Narrative.filler(20)),
                                             Page(Narrative.filler(20))])
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "etk_report.cli", "extract", str(path), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "no statistics block was found" in done.stderr
    checked = subprocess.run([sys.executable, "-m", "etk_report.cli", "validate", str(path), "--json",
                              str(tmp_path / "v.json")], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert checked.returncode == 1, checked.stdout + checked.stderr


# -- property: random summary chapters read back exactly ------------------------------------------

_WORDS = ["Asiakas", "Perhe", "Ryhmä", "Käynti", "Tuki", "Ilta", "Koulutus", "Vertais", "Neuvonta", "Kriisi",
          "Koti", "Päivä", "Vauva", "Isä", "Äiti", "Lapsi"]
_TAILS = ["jaksot", "tapaamiset", "asiakkaat", "ryhmät", "käynnit", "päivät", "jäsenet", "palvelut"]
_UOM_KNOWN = ["hlö", "perhettä", "vrk", "kpl", "kertaa", "käyntiä", "tuntia", "henkilöä", "%"]

label = st.builds(lambda a, b, n: f"{a}{b}" + (f" {n}" if n else ""), st.sampled_from(_WORDS),
                  st.sampled_from(_TAILS), st.sampled_from(["", "yhteensä", "uudet", "vanhat"]))
uom = st.one_of(st.sampled_from(_UOM_KNOWN), st.text(alphabet="abdefghjklmnoprstuvyäö", min_size=2, max_size=7))
value = st.integers(min_value=0, max_value=99999).map(lambda v: f"{v:,}".replace(",", "\u00a0"))


@st.composite
def chapters(draw):
    k = draw(st.integers(1, 3))
    style = draw(st.sampled_from(["plain", "v.", "previous"]))
    heads = tuple(f"v. {YEAR - j}" if style == "v." else str(YEAR - j) for j in range(k))
    if style == "previous" and k >= 2:
        heads = (heads[0], "edellinen vuosi", *heads[2:])
    units = []
    for n in range(draw(st.integers(1, 3))):
        rows, level = [], 0
        labels = draw(st.lists(label, min_size=1, max_size=5, unique=True))
        for m, text in enumerate(labels):
            level = 0 if m == 0 else draw(st.integers(0, min(level + 1, 2)))
            rows.append(R(text, tuple(draw(value) for _ in range(k)), draw(uom), level=level))
        place = draw(st.sampled_from(["slot", "after"] if k < 3 else ["slot"]))
        units.append(UnitTable(f"Yksikkö {chr(65 + n)}", tuple(rows), heads=heads, uom_place=place,
                               work_area=draw(st.sampled_from(["", "VAUVAPERHETYÖ", "KRIISITYÖ"])) if n else "TYÖ",
                               column_step=110.0 if style == "previous" else 90.0))
    return heads, units


def _expected(heads, units):
    figures, others, work_area = [], [], None
    for unit in units:
        work_area = unit.work_area or work_area
        parents: list[tuple[int, str]] = []
        for row in unit.rows:
            while parents and parents[-1][0] >= row.level:
                parents.pop()
            parent = parents[-1][1] if parents else None
            parents.append((row.level, row.label))
            for j, printed in enumerate(row.values):
                entry = (work_area, unit.unit, YEAR - j, parent, row.label, float(printed.replace("\u00a0", "")),
                         row.uom)
                (figures if j == 0 else others).append(entry)
    return sorted(figures, key=repr), sorted(others, key=repr)


@seed(SEED)
@settings(max_examples=20, derandomize=True, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chapters())
def test_random_summary_chapters_read_back_exactly(tmp_path, chapter):
    print(f"hypothesis seed {SEED} (derandomized)")
    heads, units = chapter
    path = _report(tmp_path, Page(Chapter("KOOSTE ASIAKASTYÖSTÄ"), *units), name="p.pdf")
    e = _extract(path)
    figures, others = _expected(heads, units)
    assert _rows(e.figures) == figures
    assert _rows(e.other_year_figures) == others


# -- a whole report in the 2014 style, through the command line -------------------------------------

VAUVA, KRIISI = "VAUVAPERHETYÖ", "PERHEVÄKIVALTA- JA KRIISITYÖ"
# (work_area, unit, parent, label, uom, this year, previous year)
REPORT_2014 = [
    (VAUVA, "Ensikoti", None, "Asiakasperheitä", "perhettä", 31, 28),
    (VAUVA, "Ensikoti", "Asiakasperheitä", "Aikuisia", "henkilöä", 33, 30),
    (VAUVA, "Ensikoti", "Asiakasperheitä", "Lapsia", "lasta", 35, 31),
    (VAUVA, "Ensikoti", None, "Hoitovuorokausia", "vrk", 4120, 3980),
    (VAUVA, "Ensikoti", None, "Käyttöaste", "%", 79, 80),
    (VAUVA, "Baby blues toiminta", None, "Asiakasperheitä", "perhettä", 64, 58),
    (VAUVA, "Baby blues toiminta", None, "Puhelinkontakteja", "kertaa", 271, 240),
    (VAUVA, "Baby blues toiminta", None, "Vertaisryhmiä", "kpl", 6, 5),
    (KRIISI, "Turvakoti", None, "Asiakkaita", "henkilöä", 120, 100),
    (KRIISI, "Turvakoti", "Asiakkaita", "Aikuisia", "henkilöä", 64, 55),
    (KRIISI, "Turvakoti", "Asiakkaita", "Lapsia", "lasta", 56, 45),
    (KRIISI, "Turvakoti", None, "Hoitovuorokausia", "vrk", 1850, 1702),
    (KRIISI, "Avopalvelu", None, "Asiakkaita", "henkilöä", 88, 91),
    (KRIISI, "Avopalvelu", None, "Tapaamisia", "käyntiä", 640, 602),
    (KRIISI, "Avopalvelu", None, "Ryhmätoiminta", "tuntia", 96, 80),
]


def report_2014(path) -> Path:
    """`VUOSIKERTOMUS v. 2014`: narrative chapters, `TALOUS` with the finance summary, then the closing
    chapter `KOOSTE ASIAKASTYÖSTÄ` with work areas and units over two pages."""
    def table(unit, first):
        rows = [r for r in REPORT_2014 if r[1] == unit]
        return UnitTable(unit, tuple(R(label, (f"{this:,}".replace(",", "\u00a0"), f"{prev:,}".replace(",", "\u00a0")),
                                       uom, level=0 if parent is None else 1)
                                     for _, _, parent, label, uom, this, prev in rows),
                         heads=("2014", "2013"), work_area=rows[0][0] if first else "")
    return write_report(path, [
        cover(2014, title="VUOSIKERTOMUS"),
        Page(Narrative.filler(22, heading="1. YHDISTYKSEN TOIMINTA")),
        Page(Narrative.filler(22, heading="2. VAUVAPERHETYÖ")),
        Page(Narrative.filler(20, heading="3. PERHEVÄKIVALTA- JA KRIISITYÖ")),
        Page(Narrative.filler(8, heading="7. TALOUS"),
             FinanceSummary(2014, (("Kokonaistuotot", "2\u00a0410\u00a0500,00"), ("Kokonaiskulut", "2\u00a0398\u00a0200,00 -"),
                                   ("Tilikauden tulos", "12\u00a0300,00")))),
        Page(Chapter("8. KOOSTE ASIAKASTYÖSTÄ"), table("Ensikoti", True), table("Baby blues toiminta", False)),
        Page(table("Turvakoti", True), table("Avopalvelu", False)),
    ])


def test_a_whole_2014_style_report_through_the_command_line(tmp_path):
    path = report_2014(tmp_path / "vuosikertomus-2014.pdf")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "etk_report.cli", "extract", str(path), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    figures = pd.read_csv(out / "figures.csv")
    others = pd.read_csv(out / "other_years.csv")
    assert list(others.columns) == list(figures.columns)
    parents = [None if pd.isna(p) else p for p in figures["parent"]]
    got = sorted(zip(figures["work_area"], figures["unit"], parents,
                     figures["label"], figures["uom"], figures["value"], figures["unit_year"]), key=repr)
    assert got == sorted([(w, u, p, lab, uom, float(this), 2014) for w, u, p, lab, uom, this, _ in REPORT_2014],
                         key=repr)
    previous = sorted(zip(others["unit"], others["label"], others["value"], others["unit_year"]), key=repr)
    assert previous == sorted([(u, lab, float(prev), 2013) for _, u, _, lab, _, _, prev in REPORT_2014], key=repr)
    assert set(figures["page"]) == {6, 7}
    assert not set(figures["value"]) & {2013.0, 2014.0}  # no year head read as a value
    assert len(pd.read_csv(out / "finance_summary.csv")) == 3
    checked = subprocess.run([sys.executable, "-m", "etk_report.cli", "validate", str(path), "--json",
                              str(tmp_path / "v.json")], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_other_year_values_survive_the_cache_and_csv_formulas_are_neutralised(tmp_path):
    from pipeline.extract.output.files import write_csvs
    from pipeline.ingest.cache import extraction_from_data, extraction_to_data

    path = _report(tmp_path, Page(Chapter("TILASTOT"), UnitTable("=Yksikkö", (
        R("=SUMMA(A1)", ("31", "28"), "hlö"), R("Käyntejä", ("12", "9"), "käyntiä")), heads=("2014", "2013"))))
    e = _extract(path)
    back = extraction_from_data(extraction_to_data(e))
    pd.testing.assert_frame_equal(back.other_year_figures, e.other_year_figures)
    assert sorted(back.other_year_figures["value"]) == [9.0, 28.0]
    write_csvs(e, tmp_path / "out")
    others = pd.read_csv(tmp_path / "out" / "other_years.csv")
    assert set(others["label"]) == {"'=SUMMA(A1)", "Käyntejä"} and set(others["unit"]) == {"'=Yksikkö"}


def test_a_titled_page_in_year_columns_and_with_values_in_parentheses(tmp_path):
    """`ENSIKOTI / Toimintalukuja v. 2014` over `2014  2013  muutos %` columns, and `271 hlö (2013: 269)` in
    a titled block's note: previous-year values never among the figures, nor in a note."""
    from pdf_factory import Figure, Statistics

    path = write_report(tmp_path / "t.pdf", [
        cover(YEAR, title="VUOSIKERTOMUS"),
        Page(Statistics("ENSIKOTI", YEAR, rows=()),
             UnitTable(None, (R("Asiakasperheitä", ("31", "28"), "perhettä", change="+10,7"),
                              R("Aikuisia", ("33", "30"), "hlö", level=1, change="+10,0")),
                       heads=("2014", "2013"), change_head="muutos %")),
        Page(Statistics("NEUVONTA", YEAR, rows=(Figure("Puheluita", "271", "kpl", note="(2013: 269)"),
                                                Figure("Käyntejä", "40", "krt", note="kotona (2013: 35)")))),
    ])
    e = _extract(path)
    assert _rows(e.figures) == sorted([
        (None, "ENSIKOTI", 2014, None, "Asiakasperheitä", 31.0, "perhettä"),
        (None, "ENSIKOTI", 2014, "Asiakasperheitä", "Aikuisia", 33.0, "hlö"),
        (None, "NEUVONTA", 2014, None, "Puheluita", 271.0, "kpl"),
        (None, "NEUVONTA", 2014, None, "Käyntejä", 40.0, "krt")], key=repr)
    assert _rows(e.other_year_figures) == sorted([
        (None, "ENSIKOTI", 2013, None, "Asiakasperheitä", 28.0, "perhettä"),
        (None, "ENSIKOTI", 2013, "Asiakasperheitä", "Aikuisia", 30.0, "hlö"),
        (None, "NEUVONTA", 2013, None, "Puheluita", 269.0, "kpl"),
        (None, "NEUVONTA", 2013, None, "Käyntejä", 35.0, "krt")], key=repr)
    notes = dict(zip(e.figures["label"], e.figures["note"]))
    assert pd.isna(notes["Puheluita"]) and notes["Käyntejä"] == "kotona"
    assert [i for i in e.issues if i.kind not in ("no_finance_summary", "unknown_unit_of_measure")] == []
