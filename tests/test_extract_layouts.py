"""Issue 2: extraction must work on layouts nobody has seen.

Every report here is drawn by `pdf_factory` at test time; nothing comes from the 2022 sample, and the
expected rows are written out by hand, so a change in what the extractor reads shows up as a diff of
rows (section, parent, label, value, uom, note).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest


from pdf_factory import (  # noqa: E402
    small_report,
    NBSP,
    NNBSP,
    Columns,
    Figure,
    FinanceSummary,
    Heading,
    ImagePage,
    MunicipalityList,
    Narrative,
    Page,
    Statistics,
    cover,
    euro,
    width,
    write_report,
)
from figure_rows import rows
from pipeline.extract.report import extract_report  # noqa: E402
from pipeline.extract.lists.municipalities import join_wrapped, parse_names, strip_list_prefix  # noqa: E402
from pipeline.extract.numbers import parse_number  # noqa: E402

REPO = Path(__file__).resolve().parents[1]




# -- a statistics page like the sample's first one, drawn with different column positions ----------

def ensikoti_like(columns: Columns, shift: float) -> Statistics:
    """Totals with indented parts, groups under `Ryhmätoiminta:`, a wrapped `Kunnat:` list, sections
    at the margin, euro amounts with no-break spaces; every `detached` label is drawn after the rest
    of the page, `shift` pt off its value's baseline."""
    return Statistics("ENSIKOTI", 2023, columns=columns, label_shift=shift, rows=(
        Figure("Asiakkaita yhteensä", "82", "hlö", note="31:stä eri perheestä", bold=True),
        Figure("Aikuiset", "42", "hlö", note="31 naista, 11 miestä", level=1, detached=True),
        Figure("Lapset", "40", "hlö", level=1, detached=True),
        Figure("Hoitovuorokaudet yhteensä", "5845", "kpl", note="9 asiakasperhehuonetta", bold=True),
        Figure("Aikuisten hoitovuorokaudet", "3002", "kpl", level=1),
        Figure("Lasten hoitovuorokaudet", "2751", "kpl", level=1),
        Figure("Perheiden hoitovuorokaudet", "92", "kpl", note="korotetulla vrk-hinnalla", level=1),
        Figure("Käyttöaste", "77,78", "%"),
        Heading("Ryhmätoiminta:"),
        Figure("Aamuturinat", "23", "kpl", level=1, detached=True),
        Figure("Muskari", "8", "kpl", level=1, detached=True),
        Figure(("Uusien ja vanhojen asiakkaiden", "ryhmätapaaminen"), "1", "kpl", level=1, detached=True),
        Figure("Asiakaskuntia", "5", "kpl", detached=True),
        MunicipalityList(("Kunnat: Heinola, Hollola, Kristiinan-", "kaupunki, Lahti ja Orimattila")),
        Heading("TOIMINTAYMPÄRISTÖ"),
        Figure("Henkilökunta", "11", "hlö", level=1,
               note=("ensikodin johtaja, 7 vauvaperhetyöntekijää,", "emäntä (2x50%)")),
        Figure("Vapaaehtoisia", "3", "hlö", note="vauvanhoito", level=1),
        Heading("RAHOITUS", remark="Käyttäjäkunnat; hoitopäivämaksut 174 €/vrk"),
        Figure("Kunnat ja kuntayhtymät", euro(1028323.76), "€", level=1),
        Figure("Muut tuotot", euro(12653.65), "€", level=1, detached=True),
        Figure("Tuotot yhteensä", euro(1040977.41), "€", level=1, bold=True),
    ))


ENSIKOTI_ROWS = [
    (None, None, "Asiakkaita yhteensä", 82.0, "hlö", "31:stä eri perheestä"),
    (None, "Asiakkaita yhteensä", "Aikuiset", 42.0, "hlö", "31 naista, 11 miestä"),
    (None, "Asiakkaita yhteensä", "Lapset", 40.0, "hlö", None),
    (None, None, "Hoitovuorokaudet yhteensä", 5845.0, "kpl", "9 asiakasperhehuonetta"),
    (None, "Hoitovuorokaudet yhteensä", "Aikuisten hoitovuorokaudet", 3002.0, "kpl", None),
    (None, "Hoitovuorokaudet yhteensä", "Lasten hoitovuorokaudet", 2751.0, "kpl", None),
    (None, "Hoitovuorokaudet yhteensä", "Perheiden hoitovuorokaudet", 92.0, "kpl", "korotetulla vrk-hinnalla"),
    (None, None, "Käyttöaste", 77.78, "%", None),
    ("Ryhmätoiminta:", None, "Aamuturinat", 23.0, "kpl", None),
    ("Ryhmätoiminta:", None, "Muskari", 8.0, "kpl", None),
    ("Ryhmätoiminta:", None, "Uusien ja vanhojen asiakkaiden ryhmätapaaminen", 1.0, "kpl", None),
    (None, None, "Asiakaskuntia", 5.0, "kpl", None),
    ("TOIMINTAYMPÄRISTÖ", None, "Henkilökunta", 11.0, "hlö",
     "ensikodin johtaja, 7 vauvaperhetyöntekijää, emäntä (2x50%)"),
    ("TOIMINTAYMPÄRISTÖ", None, "Vapaaehtoisia", 3.0, "hlö", "vauvanhoito"),
    ("RAHOITUS", None, "Kunnat ja kuntayhtymät", 1028323.76, "€", None),
    ("RAHOITUS", None, "Muut tuotot", 12653.65, "€", None),
    ("RAHOITUS", None, "Tuotot yhteensä", 1040977.41, "€", None),
]
ENSIKOTI_TOWNS = ["Heinola", "Hollola", "Kristiinankaupunki", "Lahti", "Orimattila"]

LAYOUTS = {
    # counts end at 260, amounts at 290, notes from 300 (the sample's layout, for a wider font)
    "usual-columns": Columns(),
    # the whole value column 80 pt further right, far from the labels
    "value-column-at-340": Columns(count_right=340, euro_right=370, note=380),
    # a narrower margin, deeper indent, and the euro column LEFT of the count column
    "euro-column-left-of-counts": Columns(margin=40, indent=20, count_right=420, euro_right=330, note=450),
}
SHIFTS = {"label-2pt-below": 2.0, "label-2pt-above": -2.0}


@pytest.fixture(scope="module")
def layout_extraction(tmp_path_factory):
    """One small report per (columns, label shift), each built and extracted once for the module."""
    folder = tmp_path_factory.mktemp("layouts")
    cache = {}

    def get(layout: str, shift: str):
        if (layout, shift) not in cache:
            pdf = write_report(folder / f"{layout}-{shift}.pdf",
                               [cover(2023), Page(ensikoti_like(LAYOUTS[layout], SHIFTS[shift]))])
            cache[layout, shift] = extract_report(pdf)
        return cache[layout, shift]

    return get


@pytest.mark.parametrize("shift", SHIFTS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_rows_do_not_depend_on_column_positions_or_detached_labels(layout_extraction, layout, shift):
    ex = layout_extraction(layout, shift)
    assert ex.units == ["ENSIKOTI"]
    assert rows(ex.figures) == ENSIKOTI_ROWS
    assert set(ex.figures["page"]) == {2}
    assert set(ex.figures["unit_year"]) == {2023}
    assert list(ex.figures["row"]) == list(range(1, len(ENSIKOTI_ROWS) + 1))
    assert list(ex.municipalities["municipality"]) == ENSIKOTI_TOWNS
    assert ex.report_year == 2023


@pytest.mark.parametrize("layout", LAYOUTS)
def test_value_positions_are_reported_where_the_values_are_printed(layout_extraction, layout):
    """x0 is the column's right edge minus the printed value's width; indent is where the label starts."""
    ex = layout_extraction(layout, "label-2pt-below")
    columns = LAYOUTS[layout]
    spec = {(r.label if isinstance(r.label, str) else " ".join(r.label)): r
            for r in ensikoti_like(columns, 2.0).rows if isinstance(r, Figure)}
    for row in ex.figures.itertuples():
        drawn = spec[row.label]
        right = columns.euro_right if drawn.uom == "€" else columns.count_right
        assert row.x0 == pytest.approx(right - width(drawn.value, 10.5, drawn.bold), abs=0.05), row.label
        assert row.indent == pytest.approx(columns.margin + drawn.level * columns.indent, abs=0.05), row.label
        assert row.value_source == "column"


def test_detached_labels_are_drawn_last(tmp_path):
    """The factory really draws detached labels after everything else on the page, in their own runs."""
    import pdfplumber

    pdf = write_report(tmp_path / "order.pdf", [Page(ensikoti_like(Columns(), 2.0))])
    with pdfplumber.open(pdf) as doc:
        stream = "".join(c["text"] for c in doc.pages[0].chars)
    assert stream.endswith("AikuisetLapsetAamuturinatMuskariUusien ja vanhojen asiakkaiden"
                           "ryhmätapaaminenAsiakaskuntiaMuut tuotot")


def test_report_without_finance_summary_says_so(layout_extraction):
    ex = layout_extraction("usual-columns", "label-2pt-below")
    assert ex.finance_summary.empty
    assert any("YHTEENVETO TALOUSLUVUISTA" in w for w in ex.warnings)


# -- a report with two statistics pages, a scanned page and a finance summary -------------------------

def peukaloinen_like(sep: str) -> Statistics:
    """Tighter line pitch, `UNIT/ Toimintalukuja` without a space, detached labels 1.3 pt low, a label
    on two lines, the municipality named in the count row's note, a count with a thousands separator."""
    return Statistics("PÄIVÄRYHMÄ PEUKALOINEN", 2023, title_gap="", pitch=12.4, label_shift=1.3, rows=(
        Figure("Asiakkaita yhteensä", "52", "hlö", note="22:sta eri perheestä", bold=True),
        Figure("Aikuiset", "24", "hlö", note="23 naista, 1 mies", level=1, detached=True),
        Figure("Lapset", "28", "hlö", level=1, detached=True),
        Figure("Avoin toiminta ma-pe klo 9-15", f"2{sep}877", "krt", note="aikuiset 1322 käyntikertaa"),
        Figure("Retket", "14", "kpl"),
        Heading("Ryhmätoiminta:"),
        Figure("Ryhmäpäiviä", "84", "kpl", level=1, detached=True),
        Figure("Hoivaa ja leiki-ryhmä", "12", "kpl", level=1, detached=True),
        Figure(("Uusien ja vanhojen asiakkaiden", "ryhmätapaaminen"), "1", "kpl", level=1, detached=True),
        Figure("Asiakaskuntia", "1", "kpl", note="Lahti", detached=True),
        Heading("TOIMINTAYMPÄRISTÖ"),
        Figure("Henkilökunta", "2", "hlö", note="vauvaperhetyöntekijää", level=1),
        Heading("RAHOITUS"),
        Figure("STEA", euro(112998, sep), "€", level=1, detached=True),
        Figure("Muut tuotot", euro(1204.02, sep), "€", level=1, detached=True),
        Figure("Tuotot yhteensä", euro(114202.02, sep), "€", level=1, bold=True),
    ))


PEUKALOINEN_ROWS = [
    (None, None, "Asiakkaita yhteensä", 52.0, "hlö", "22:sta eri perheestä"),
    (None, "Asiakkaita yhteensä", "Aikuiset", 24.0, "hlö", "23 naista, 1 mies"),
    (None, "Asiakkaita yhteensä", "Lapset", 28.0, "hlö", None),
    (None, None, "Avoin toiminta ma-pe klo 9-15", 2877.0, "krt", "aikuiset 1322 käyntikertaa"),
    (None, None, "Retket", 14.0, "kpl", None),
    ("Ryhmätoiminta:", None, "Ryhmäpäiviä", 84.0, "kpl", None),
    ("Ryhmätoiminta:", None, "Hoivaa ja leiki-ryhmä", 12.0, "kpl", None),
    ("Ryhmätoiminta:", None, "Uusien ja vanhojen asiakkaiden ryhmätapaaminen", 1.0, "kpl", None),
    (None, None, "Asiakaskuntia", 1.0, "kpl", "Lahti"),
    ("TOIMINTAYMPÄRISTÖ", None, "Henkilökunta", 2.0, "hlö", "vauvaperhetyöntekijää"),
    ("RAHOITUS", None, "STEA", 112998.0, "€", None),
    ("RAHOITUS", None, "Muut tuotot", 1204.02, "€", None),
    ("RAHOITUS", None, "Tuotot yhteensä", 114202.02, "€", None),
]


def new_unit(sep: str) -> Statistics:
    """A unit no report has had, upper-case sections, a group label without a value, units of
    measure never seen before, municipalities listed in the count row's note."""
    return Statistics("UUSI PERHEKESKUS", 2023, columns=Columns(count_right=300, euro_right=330, note=350), rows=(
        Heading("ASIAKASTYÖ"),
        Figure("Asiakkaita", "23", "hlö", note="21 miestä, 2 naista", level=1, detached=True),
        Figure("Yksilötapaamiset", "106", "kpl", level=1, detached=True),
        Heading("Kontaktoinnit:", level=1),
        Figure("Sidosryhmät", "150", "kpl", note="yhteydenotot", level=2),
        Figure("Kohderyhmä", "44", "kpl", note="yhteydenotot", level=2),
        Figure("Perhekahvilan kävijät", "1324", "käyntiä", level=1),
        Figure("Verkkoryhmä", "1", "krt/vko", level=1),
        Figure("Asiakaskuntia", "3", "kpl", note="Lahti (20), Hollola (4) ja Päijät-Häme (2)"),
        Heading("RAHOITUS"),
        Figure("Hyvinvointialue", euro(250000, sep), "€", level=1),
        Figure("Muut tuotot", euro(859.14, sep), "€", level=1, detached=True),
        Figure("Tuotot yhteensä", euro(250859.14, sep), "€", level=1, bold=True),
    ))


NEW_UNIT_ROWS = [
    ("ASIAKASTYÖ", None, "Asiakkaita", 23.0, "hlö", "21 miestä, 2 naista"),
    ("ASIAKASTYÖ", None, "Yksilötapaamiset", 106.0, "kpl", None),
    ("ASIAKASTYÖ", "Kontaktoinnit:", "Sidosryhmät", 150.0, "kpl", "yhteydenotot"),
    ("ASIAKASTYÖ", "Kontaktoinnit:", "Kohderyhmä", 44.0, "kpl", "yhteydenotot"),
    ("ASIAKASTYÖ", None, "Perhekahvilan kävijät", 1324.0, "käyntiä", None),
    ("ASIAKASTYÖ", None, "Verkkoryhmä", 1.0, "krt/vko", None),
    (None, None, "Asiakaskuntia", 3.0, "kpl", "Lahti (20), Hollola (4) ja Päijät-Häme (2)"),
    ("RAHOITUS", None, "Hyvinvointialue", 250000.0, "€", None),
    ("RAHOITUS", None, "Muut tuotot", 859.14, "€", None),
    ("RAHOITUS", None, "Tuotot yhteensä", 250859.14, "€", None),
]


def finance(sep: str) -> FinanceSummary:
    return FinanceSummary(2023, (
        ("Kokonaistuotot", euro(3264487.31, sep)),
        ("Kokonaiskulut", euro(-3371424.83, sep)),
        ("Tilikauden alijäämä", euro(-106937.52, sep)),
        ("Taseen loppusumma", euro(786933.28, sep)),
    ))


FINANCE_ROWS = [("Kokonaistuotot", 3264487.31), ("Kokonaiskulut", -3371424.83),
                ("Tilikauden alijäämä", -106937.52), ("Taseen loppusumma", 786933.28)]

SEPARATORS = {"no-break-space": NBSP, "space": " ", "narrow-no-break-space": NNBSP}
IMAGE_PAGE = 5


def two_unit_pages(sep: str) -> list:
    return [
        cover(2023),                                                          # 1
        Page(Narrative.filler(30, heading="1. Yhdistyksen toiminta")),          # 2
        Page(Narrative.filler(12), peukaloinen_like(sep), top=60),            # 3
        Page(Narrative.filler(6), new_unit(sep),                             # 4
             Narrative.filler(5, heading="5.3 Nettiturvakotitoiminta")),
        ImagePage(),                                                          # 5 = IMAGE_PAGE
        Page(Narrative.filler(10), finance(sep)),                             # 6
    ]


@pytest.fixture(scope="module")
def two_unit_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two-units")
    return {name: write_report(folder / f"report-{name}.pdf", two_unit_pages(sep))
            for name, sep in SEPARATORS.items()}


@pytest.fixture(scope="module")
def two_unit_extraction(two_unit_reports):
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = extract_report(two_unit_reports[name])
        return cache[name]

    return get


def test_factory_prints_real_no_break_spaces(two_unit_reports):
    """The PDF text holds U+00A0 / U+202F / U+0020 between thousands, as asked, and Finnish letters."""
    import pdfplumber

    with pdfplumber.open(two_unit_reports["no-break-space"]) as pdf:
        text = "".join(c["text"] for c in pdf.pages[5].chars)
        stats = "".join(c["text"] for c in pdf.pages[2].chars)
    assert "3\u00a0264\u00a0487,31" in text and "alijäämä" in text
    assert "112\u00a0998,00" in stats and "PÄIVÄRYHMÄ" in stats and "€" in stats
    with pdfplumber.open(two_unit_reports["narrow-no-break-space"]) as pdf:
        assert "3\u202f264\u202f487,31" in "".join(c["text"] for c in pdf.pages[5].chars)
    with pdfplumber.open(two_unit_reports["space"]) as pdf:
        assert "3 264 487,31" in "".join(c["text"] for c in pdf.pages[5].chars)


@pytest.mark.parametrize("sep", SEPARATORS)
def test_two_statistics_pages_in_one_report(two_unit_extraction, sep):
    ex = two_unit_extraction(sep)
    assert ex.units == ["PÄIVÄRYHMÄ PEUKALOINEN", "UUSI PERHEKESKUS"]
    assert rows(ex.figures, "PÄIVÄRYHMÄ PEUKALOINEN") == PEUKALOINEN_ROWS
    assert rows(ex.figures, "UUSI PERHEKESKUS") == NEW_UNIT_ROWS
    pages = ex.figures.groupby("unit")["page"].unique().to_dict()
    assert {u: list(p) for u, p in pages.items()} == {"PÄIVÄRYHMÄ PEUKALOINEN": [3], "UUSI PERHEKESKUS": [4]}
    assert ex.report_year == 2023 and ex.page_count == 6


@pytest.mark.parametrize("sep", SEPARATORS)
def test_finance_summary_with_negative_amounts(two_unit_extraction, sep):
    fin = two_unit_extraction(sep).finance_summary
    assert list(zip(fin["label"], fin["value"].astype(float))) == FINANCE_ROWS
    assert set(fin["page"]) == {6}


@pytest.mark.parametrize("sep", SEPARATORS)
def test_municipalities_from_notes(two_unit_extraction, sep):
    m = two_unit_extraction(sep).municipalities
    got = {unit: list(g["municipality"]) for unit, g in m.groupby("unit", sort=False)}
    assert got == {"PÄIVÄRYHMÄ PEUKALOINEN": ["Lahti"],
                   "UUSI PERHEKESKUS": ["Lahti", "Hollola", "Päijät-Häme"]}


def test_narrative_after_a_chapter_heading_is_not_read_as_figures(two_unit_extraction):
    """Page 4 goes on after the block with `5.3 Nettiturvakotitoiminta` and text holding
    `osallistui 40 ammattilaista`; none of it may become a figure."""
    fig = two_unit_extraction("no-break-space").figures
    assert not fig["label"].str.contains("Koulutukseen|Yhdistyksen|ammattilaista").any()
    assert not (fig["uom"] == "ammattilaista").any()


def test_image_page_is_named_and_other_pages_still_extracted(two_unit_extraction):
    ex = two_unit_extraction("no-break-space")
    assert ex.image_pages == [IMAGE_PAGE]
    assert [w for w in ex.warnings if f"page {IMAGE_PAGE}" in w and "image" in w]


def test_cli_extracts_a_report_with_an_image_page(two_unit_reports, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "etk_report.cli", "extract",
                           str(two_unit_reports["no-break-space"]), "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    said = proc.stdout + proc.stderr
    assert [line for line in said.splitlines() if f"page {IMAGE_PAGE}" in line and "image" in line], said
    figures = pd.read_csv(out / "figures.csv", keep_default_na=False)
    assert list(dict.fromkeys(figures["unit"])) == ["PÄIVÄRYHMÄ PEUKALOINEN", "UUSI PERHEKESKUS"]
    assert len(figures) == len(PEUKALOINEN_ROWS) + len(NEW_UNIT_ROWS)
    assert figures.loc[figures["label"] == "Hyvinvointialue", "value"].tolist() == [250000.0]
    finance_csv = pd.read_csv(out / "finance_summary.csv")
    assert list(zip(finance_csv["label"], finance_csv["value"])) == FINANCE_ROWS
    towns = pd.read_csv(out / "municipalities.csv")
    assert len(towns) == 4


def test_two_statistics_blocks_on_one_page(tmp_path):
    first = Statistics("YKSIKKÖ A", 2024, rows=(
        Figure("Asiakkaita", "10", "hlö", bold=True),
        Figure("Aikuiset", "6", "hlö", level=1, detached=True),
        Figure("Lapset", "4", "hlö", level=1, detached=True),
        Figure("Asiakaskuntia", "2", "kpl"),
        MunicipalityList(("Kunnat: Lahti,", "Hollola")),
    ))
    second = Statistics("YKSIKKÖ B", 2024, columns=Columns(count_right=320, note=360), rows=(
        Figure("Asiakkaita", "7", "hlö"),
        Figure("Käynnit", "70", "krt", note="kotikäynnit"),
    ))
    ex = extract_report(write_report(tmp_path / "two-blocks.pdf", [Page(first, second)]))
    assert ex.report_year == 2024  # no cover: the year the titles print
    assert rows(ex.figures, "YKSIKKÖ A") == [
        (None, None, "Asiakkaita", 10.0, "hlö", None),
        (None, "Asiakkaita", "Aikuiset", 6.0, "hlö", None),
        (None, "Asiakkaita", "Lapset", 4.0, "hlö", None),
        (None, None, "Asiakaskuntia", 2.0, "kpl", None),
    ]
    assert rows(ex.figures, "YKSIKKÖ B") == [
        (None, None, "Asiakkaita", 7.0, "hlö", None),
        (None, None, "Käynnit", 70.0, "krt", "kotikäynnit"),
    ]
    assert list(ex.municipalities["municipality"]) == ["Lahti", "Hollola"]
    assert set(ex.figures["page"]) == {1}


# -- layouts that once broke the extractor ------------------------------------------------------

@pytest.mark.parametrize("heading, columns", [
    ("KOULUTUKSET JA TAPAHTUMAT", Columns(count_right=210, euro_right=240, note=260)),  # cut
    ("TOIMINTAYMPÄRISTÖ", Columns(count_right=150, euro_right=175, note=190)),          # dropped
], ids=["cut", "dropped"])
def test_section_heading_wider_than_the_label_column(tmp_path, heading, columns):
    stats = Statistics("KAPEA", 2024, columns=columns, rows=(
        Heading("ASIAKASTYÖ"),
        Figure("Uusia", "1", "hlö", level=1),
        Figure("Hakemuksia", "6", "kpl", level=1),
        Heading(heading),
        Figure("Retket", "5", "kpl", level=1),
        Figure("Kurssit", "3", "kpl", level=1),
        Heading("RAHOITUS"),
        Figure("STEA", euro(530), "€", level=1),
        Figure("Muut", euro(100), "€", level=1),
    ))
    ex = extract_report(write_report(tmp_path / "wide-heading.pdf", [cover(2024), Page(stats)]))
    assert rows(ex.figures) == [
        ("ASIAKASTYÖ", None, "Uusia", 1.0, "hlö", None),
        ("ASIAKASTYÖ", None, "Hakemuksia", 6.0, "kpl", None),
        (heading, None, "Retket", 5.0, "kpl", None),
        (heading, None, "Kurssit", 3.0, "kpl", None),
        ("RAHOITUS", None, "STEA", 530.0, "€", None),
        ("RAHOITUS", None, "Muut", 100.0, "€", None),
    ]


def test_municipality_list_wrapped_after_ja(tmp_path):
    stats = Statistics("LISTA", 2024, rows=(
        Figure("Asiakkaita", "10", "hlö"),
        Figure("Asiakaskuntia", "3", "kpl"),
        MunicipalityList(("Kunnat: Heinola, Orimattila ja", "Sysmä")),
    ))
    ex = extract_report(write_report(tmp_path / "list-ja.pdf", [cover(2024), Page(stats)]))
    assert list(ex.municipalities["municipality"]) == ["Heinola", "Orimattila", "Sysmä"]


def test_a_single_amount_is_not_lost(tmp_path):
    stats = Statistics("YKSI RIVI", 2024, rows=(
        Figure("Asiakkaita", "10", "hlö"),
        Figure("Käynnit", "70", "krt"),
        Heading("RAHOITUS"),
        Figure("STEA", euro(53000), "€", level=1),
    ))
    ex = extract_report(write_report(tmp_path / "single-amount.pdf", [cover(2024), Page(stats)]))
    assert rows(ex.figures)[-1] == ("RAHOITUS", None, "STEA", 53000.0, "€", None)


@pytest.mark.parametrize("nudge", [-3.0, 3.0], ids=["3pt-left", "3pt-right"])
def test_a_value_slightly_off_its_column(tmp_path, nudge):
    stats = Statistics("VINO", 2024, rows=(
        Figure("Perheiden määrä", "300", "kpl", note="vuositasolla"),
        Figure("Avoin toiminta", "2877", "krt", note="aikuiset 1322 käyntikertaa", nudge=nudge),
        Figure("Ulkotupa", "45", "kävijää", level=1),
        Figure("Lastenhoito", "11", "lasta", level=1, note="kerhossa"),
        Heading("RAHOITUS"),
        Figure("STEA", euro(44682), "€", level=1),
        Figure("Muut tuotot", euro(6287.2), "€", level=1),
    ))
    ex = extract_report(write_report(tmp_path / "nudged.pdf", [cover(2024), Page(stats)]))
    assert rows(ex.figures) == [
        (None, None, "Perheiden määrä", 300.0, "kpl", "vuositasolla"),
        (None, None, "Avoin toiminta", 2877.0, "krt", "aikuiset 1322 käyntikertaa"),
        (None, "Avoin toiminta", "Ulkotupa", 45.0, "kävijää", None),
        (None, "Avoin toiminta", "Lastenhoito", 11.0, "lasta", "kerhossa"),
        ("RAHOITUS", None, "STEA", 44682.0, "€", None),
        ("RAHOITUS", None, "Muut tuotot", 6287.2, "€", None),
    ]


# -- numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("1 028 323,76", 1028323.76),
    ("1\u00a0028\u00a0323,76", 1028323.76),
    ("1\u202f028\u202f323,76", 1028323.76),
    ("1\u2009028\u2009323,76", 1028323.76),
    ("77,78", 77.78),
    ("82", 82.0),
    ("0", 0.0),
    ("5845", 5845.0),
    ("859,14", 859.14),
    ("106 937,52 -", -106937.52),
    ("106\u00a0937,52\u00a0-", -106937.52),
    ("106 937,52-", -106937.52),
    ("3 371 424,83 \u2212", -3371424.83),
    ("-12,5", -12.5),
    ("  42  ", 42.0),
    ("(20)", -20.0),  # issue 9: a negative in parentheses (it was rejected before)
    ("(1\u202f234,50)", -1234.5),
    ("\u221212", -12.0),
])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", [
    "9-15", "6/2023", "31:stä", "22:sta", "2x50%", "(20", "20)", "-5-", "1.162.135,71", "60.000", "74,", "",
    "-", "abc", "1 02", "12 3456", "31.12.2022", "€", "krt/vko", "1,2,3",
])
def test_parse_number_rejects_non_numbers(text):
    assert parse_number(text) is None


# -- municipality lists -----------------------------------------------------------------------------

@pytest.mark.parametrize("lines, names", [
    (["Heinola, Hollola, Kristiinan-", "kaupunki, Lahti ja Orimattila"],
     ["Heinola", "Hollola", "Kristiinankaupunki", "Lahti", "Orimattila"]),
    (["Asikkala, Päijät-", "Häme ja Lahti"], ["Asikkala", "Päijät-Häme", "Lahti"]),
    (["Heinola, Hollola", "Lahti ja Orimattila"], ["Heinola", "Hollola", "Lahti", "Orimattila"]),
    (["Heinola, Hollola,", "Lahti sekä Sysmä."], ["Heinola", "Hollola", "Lahti", "Sysmä"]),
    (["Lahti (20), Hollola (4),", "Heinola (2)"], ["Lahti", "Hollola", "Heinola"]),
    (["Iitti"], ["Iitti"]),
    (["Heinola, Orimattila ja", "Sysmä"], ["Heinola", "Orimattila", "Sysmä"]),
])
def test_wrapped_municipality_lists(lines, names):
    assert parse_names(join_wrapped(lines)) == names


def test_municipality_list_prefix():
    assert strip_list_prefix("Kunnat: Heinola, Lahti") == "Heinola, Lahti"
    assert strip_list_prefix("KUNNAT: Lahti") == "Lahti"
    assert strip_list_prefix("Asiakaskunnat: Lahti") == "Lahti"
    assert strip_list_prefix("Kunnat ja kuntayhtymät") is None
    assert strip_list_prefix("Asiakaskuntia") is None


def test_a_unit_name_wrapped_before_the_slash_is_one_title(tmp_path):
    """`PITKÄ YKSIKÖN NIMI` / `/ Toimintalukuja v. 2024` on two lines is still the title."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "wrapped-title.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("Helvetica", 11)
    c.drawString(60, 780, "PITKÄ YKSIKÖN NIMI")
    c.drawString(60, 766, "/ Toimintalukuja v. 2024")
    for y, (label, value, uom) in zip((740, 726), (("Asiakkaita", "5", "hlö"), ("Käynnit", "7", "krt"))):
        c.drawString(60, y, label)
        c.drawRightString(240, y, value)
        c.drawString(245, y, uom)
    c.showPage()
    c.save()
    ex = extract_report(path)
    assert list(ex.figures["unit"].unique()) == ["PITKÄ YKSIKÖN NIMI"]
    assert rows(ex.figures) == [(None, None, "Asiakkaita", 5.0, "hlö", None), (None, None, "Käynnit", 7.0, "krt", None)]


def test_a_finance_page_right_after_a_statistics_page_continues_no_block(tmp_path):
    """A block may run onto the next page, but the finance summary's page is never its continuation:
    its rows stay finance rows and the unit keeps only its own figures."""
    path = write_report(tmp_path / "r.pdf", [
        cover(2023),
        Page(Statistics("UUSI PERHEKESKUS", 2023, rows=(
            Figure("Asiakkaita yhteensä", "12", "hlö"),
            Heading("RAHOITUS"),
            Figure("STEA", euro(1000.0), "€", level=1),
            Figure("Tuotot yhteensä", euro(1000.0), "€"),
        ))),
        Page(finance(NBSP)),
    ])
    extraction = extract_report(path)
    assert list(extraction.figures["label"]) == ["Asiakkaita yhteensä", "STEA", "Tuotot yhteensä"]
    assert list(zip(extraction.finance_summary["label"], extraction.finance_summary["value"])) == FINANCE_ROWS


def test_the_finance_summary_is_no_untitled_rows_warning(tmp_path):
    """Its rows are extracted as the finance summary, so they are not 'rows of figures under no title'."""
    extraction = extract_report(small_report(tmp_path / "r.pdf", 2021))
    finance_pages = set(extraction.finance_summary["page"])
    assert len(extraction.finance_summary) == 4 and finance_pages
    assert not [i for i in extraction.issues if i.kind == "untitled_figures" and i.page in finance_pages]
