"""A consistent-report campaign (issue 20): random reports whose figures all add up, drawn in every
layout of the zoo, must validate with no critical failure; the same report with one defect of a
check family printed into it must be caught by that family's critical check, naming unit and page.

Three parts, each replaceable on its own:

- `random_report(rng)`: the content (units, their figures, the finance summary), consistent by
  construction: parts add up to totals, a note's breakdown to its row, the printed municipality
  count to the names listed, income + expenses to the result.
- `LAYOUTS`: a registry of layouts, name -> function (units as `Statistics`, report) -> pages.
  A new layout is one line: `LAYOUTS["summary-chapter"] = summary_chapter_pages` (or the
  `@layout("name")` decorator); the campaign draws every registered layout.
- `DEFECTS`: one defect per check family, each a change of the content and the critical check
  that must catch it, on which unit and row.

`tests/test_campaign.py` runs a CI-sized subset; `scripts/campaign.py` runs hundreds with a seed.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from pdf_factory import (
    Chapter,
    SummaryRow,
    UnitTable,
    RULED,
    RULED_NARROW,
    Columns,
    FinanceSummary,
    Figure,
    Heading,
    MunicipalityList,
    Narrative,
    Page,
    SideBySide,
    Statistics,
    cover,
    euro,
    write_report,
)

UNIT_NAMES = ("ENSIKOTI", "TURVAKOTI", "PERHEPESÄ", "AVOPALVELU KOTO", "VAUVAPERHETYÖ", "LASTEN TALO",
              "PERHEKUNTOUTUS SATAMA", "KOHTAAMISPAIKKA TUPA")
TOWNS = ("Lahti", "Hollola", "Heinola", "Orimattila", "Kärkölä", "Asikkala", "Sysmä", "Iitti", "Porvoo",
         "Kouvola", "Mikkeli", "Hamina", "Loviisa", "Salo")
FUNDERS = ("Kunnat ja kuntayhtymät", "Hyvinvointialue", "STEA", "Valtio", "Muut tuotot", "Lahjoitukset")
WIDE = Columns(count_right=330, euro_right=360, note=380)


@dataclass
class UnitContent:
    """One unit's figures, consistent by construction (totals are computed, never drawn at random)."""

    name: str
    women: int
    men: int
    children: int
    adult_days: int
    child_days: int
    occupancy: float
    staff: int
    towns: list[str]
    funding: list[tuple[str, float]]
    year: int
    # what a defect may change; None: as computed
    adults_printed: int | None = None
    count_printed: int | None = None
    occupancy_printed: float | None = None
    funding_total_printed: float | None = None
    show_funding_total: bool = True
    list_printed: str | None = None  # the list line as printed instead of the names

    @property
    def adults(self) -> int:
        return self.women + self.men


@dataclass
class ReportContent:
    year: int
    units: list[UnitContent]
    income: float
    expenses: float
    result_printed: float | None = None
    notes: list[str] = field(default_factory=list)


def random_report(rng: random.Random, year: int | None = None) -> ReportContent:
    """1-3 units with random figures and a finance summary; every identity holds."""
    year = year or rng.randint(2019, 2026)
    names = rng.sample(UNIT_NAMES, rng.randint(1, 3))
    units = []
    for name in names:
        funding = [(label, round(rng.uniform(1_000, 900_000), 2)) for label in rng.sample(FUNDERS, rng.randint(1, 3))]
        units.append(UnitContent(
            name=name, women=rng.randint(1, 60), men=rng.randint(1, 40), children=rng.randint(0, 80),
            adult_days=rng.randint(1, 5000), child_days=rng.randint(1, 5000),
            occupancy=round(rng.uniform(10, 99.99), 2), staff=rng.randint(1, 30),
            towns=rng.sample(TOWNS, rng.randint(1, 4)), funding=funding, year=year))
    income = round(rng.uniform(500_000, 5_000_000), 2)
    expenses = -round(rng.uniform(500_000, 5_000_000), 2)
    return ReportContent(year, units, income, expenses)


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _list_line(towns: list[str]) -> str:
    return "Kunnat: " + (", ".join(towns[:-1]) + " ja " + towns[-1] if len(towns) > 1 else towns[0])


def unit_rows(u: UnitContent, heading_note: bool = False) -> tuple:
    """The rows of a unit's statistics block, in the order the reports print them."""
    adults = u.adults if u.adults_printed is None else u.adults_printed
    total = round(sum(v for _, v in u.funding), 2) if u.funding_total_printed is None else u.funding_total_printed
    rows = [
        Figure("Asiakkaita yhteensä", str(u.adults + u.children), "hlö", bold=True),
        Figure("Aikuiset", str(adults), "hlö", level=1, note=f"{u.women} naista, {u.men} miestä"),
        Figure("Lapset", str(u.children), "hlö", level=1),
        Figure("Hoitovuorokaudet yhteensä", str(u.adult_days + u.child_days), "vrk", bold=True),
        Figure("Aikuisten hoitovuorokaudet", str(u.adult_days), "vrk", level=1),
        Figure("Lasten hoitovuorokaudet", str(u.child_days), "vrk", level=1),
        Figure("Käyttöaste", _number(u.occupancy if u.occupancy_printed is None else u.occupancy_printed), "%"),
        Figure("Asiakaskuntia", str(len(u.towns) if u.count_printed is None else u.count_printed), "kpl"),
        MunicipalityList((u.list_printed or _list_line(u.towns),)),
        Heading("TOIMINTAYMPÄRISTÖ"),
        Figure("Henkilökunta", str(u.staff), "hlö", level=1),
        Heading("RAHOITUS", remark="hoitopäivämaksu 174 €/vrk" if heading_note else "", remark_cell=heading_note),
        *[Figure(label, euro(value), "€", level=1) for label, value in u.funding],
    ]
    if u.show_funding_total:
        rows.append(Figure("Tuotot yhteensä", euro(total), "€", level=1, bold=True))
    return tuple(rows)


def finance_block(report: ReportContent) -> FinanceSummary:
    result = round(report.income + report.expenses, 2) if report.result_printed is None else report.result_printed
    word = "Tilikauden ylijäämä" if result >= 0 else "Tilikauden alijäämä"
    return FinanceSummary(report.year, (("Kokonaistuotot", euro(report.income)),
                                        ("Kokonaiskulut", euro(report.expenses)), (word, euro(result))))


# --- layouts: name -> (report) -> pages after the cover; every unit's pages are 2.. in order -------------

Layout = Callable[[ReportContent], list]
LAYOUTS: dict[str, Layout] = {}


def layout(name: str) -> Callable[[Layout], Layout]:
    """Register a layout under `name` (the same as `LAYOUTS[name] = function`)."""
    def register(fn: Layout) -> Layout:
        LAYOUTS[name] = fn
        return fn
    return register


def _one_per_page(heading_note: bool = False, **style) -> Layout:
    def pages(report: ReportContent) -> list:
        return [Page(Statistics(u.name, u.year, unit_rows(u, heading_note), **style)) for u in report.units]
    return pages


def _detached(report: ReportContent) -> list:
    return [Page(Statistics(u.name, u.year, tuple(replace(r, detached=True) if isinstance(r, Figure) and r.level
                                                  else r for r in unit_rows(u))))
            for u in report.units]


def _side_by_side(**style) -> Layout:
    def pages(report: ReportContent) -> list:
        out = []
        for i in range(0, len(report.units), 2):
            pair = report.units[i:i + 2]
            blocks = tuple(Statistics(u.name, u.year, unit_rows(u), address="", **style) for u in pair)
            out.append(Page(SideBySide(blocks, (0.0, 410.0)[:len(blocks)]), landscape=True))
        return out
    return pages


def _continued(**style) -> Layout:
    """Each unit's block split before TOIMINTAYMPÄRISTÖ, the rest on the next page under a `(jatkuu)` marker."""
    def pages(report: ReportContent) -> list:
        out = []
        for u in report.units:
            rows = unit_rows(u)
            cut = next(i for i, r in enumerate(rows) if isinstance(r, Heading))
            out += [Page(Narrative.filler(12), Statistics(u.name, u.year, rows[:cut], **style)),
                    Page(Statistics(u.name, u.year, rows[cut:], show_title=False, marker="(jatkuu)", **style))]
        return out
    return pages


LAYOUTS.update({
    "columns": _one_per_page(),
    "columns-wide-with-narrative": lambda r: [Page(Narrative.filler(6), Statistics(u.name, u.year, unit_rows(u),
                                                                                    columns=WIDE)) for u in r.units],
    "columns-detached-labels": _detached,
    "columns-top-aligned": _one_per_page(valign="top"),
    "italic-small-font": _one_per_page(font="italic", size=9.0, pitch=14.0),
    "ruled": _one_per_page(style="ruled", columns=RULED),
    "ruled-top-aligned-unshaded": _one_per_page(style="ruled", columns=RULED, valign="top", shade_sections=False),
    "ruled-unit-in-value-cell": _one_per_page(style="ruled", columns=RULED, unit_in_value_cell=True,
                                              caption=("Tunnusluku", "Määrä", "", "Lisätieto")),
    "ruled-title-in-first-row": _one_per_page(style="ruled", columns=RULED, title_in_table=True),
    "ruled-without-caption": _one_per_page(style="ruled", columns=RULED, caption=()),
    "ruled-heading-with-note-cell": _one_per_page(heading_note=True, style="ruled", columns=RULED),
    "side-by-side-landscape": _side_by_side(),
    "side-by-side-ruled": _side_by_side(style="ruled", columns=RULED_NARROW, size=9.0, pitch=15.0),
    "continued-with-marker": _continued(),
    "continued-ruled": _continued(style="ruled", columns=RULED),
})


def _summary_rows(u: UnitContent, rng: random.Random) -> tuple:
    """A unit's rows as a summary chapter prints them: this year, then the previous year (another value)."""
    adults = u.adults if u.adults_printed is None else u.adults_printed
    total = round(sum(v for _, v in u.funding), 2) if u.funding_total_printed is None else u.funding_total_printed

    def row(label: str, value: str, uom: str, level: int = 0, previous: str | None = None) -> SummaryRow:
        return SummaryRow(label, (value, previous or str(rng.randint(1, 999))), uom, level)

    rows = [row("Asiakkaita yhteensä", str(u.adults + u.children), "hlö"),
            row("Aikuiset", str(adults), "hlö", 1), row("Lapset", str(u.children), "hlö", 1),
            row("Hoitovuorokaudet yhteensä", str(u.adult_days + u.child_days), "vrk"),
            row("Aikuisten hoitovuorokaudet", str(u.adult_days), "vrk", 1),
            row("Lasten hoitovuorokaudet", str(u.child_days), "vrk", 1),
            row("Käyttöaste", _number(u.occupancy if u.occupancy_printed is None else u.occupancy_printed), "%",
                previous=_number(rng.uniform(10, 99))),
            row("Henkilökunta", str(u.staff), "hlö"),
            *[row(label, euro(value), "€", previous=euro(rng.uniform(1_000, 900_000))) for label, value in u.funding]]
    if u.show_funding_total:
        rows.append(row("Tuotot yhteensä", euro(total), "€", previous=euro(rng.uniform(1_000, 900_000))))
    return tuple(rows)


@layout("summary-chapter-year-columns")
def _summary_chapter(report: ReportContent) -> list:
    """Issue 19's earlier style: a closing chapter, each unit a subheading on the line of its year heads,
    rows `label  uom  this year  previous year` (no notes, lists or section headings in this style)."""
    rng = random.Random(f"{report.year}-{len(report.units)}")  # previous-year values, reproducible
    return [Page(*((Chapter("KOOSTE ASIAKASTYÖSTÄ"),) if i == 0 else ()),
                 UnitTable(u.name, _summary_rows(u, rng), heads=(str(u.year), str(u.year - 1))))
            for i, u in enumerate(report.units)]


def draw(report: ReportContent, layout_name: str, path: Path) -> Path:
    """The report as a PDF: cover, the layout's statistics pages, the finance summary."""
    pages = [cover(report.year), *LAYOUTS[layout_name](report), Page(Narrative.filler(4), finance_block(report))]
    return write_report(path, pages)


# --- defects: one per check family ----------------------------------------------------------------

@dataclass(frozen=True)
class Defect:
    """A printed inconsistency, the critical check that must catch it, and where (unit, row label)."""

    family: str
    check: str
    inject: Callable[[ReportContent, int], None]  # (report, unit index) -> changes it in place
    label: str | None                              # the row the failure is on (its page is checked)
    per_unit: bool = True


def _unit(attr: str, value: Callable[[UnitContent], object]) -> Callable[[ReportContent, int], None]:
    def inject(report: ReportContent, i: int) -> None:
        setattr(report.units[i], attr, value(report.units[i]))
    return inject


def _result_off(report: ReportContent, _i: int) -> None:
    report.result_printed = round(report.income + report.expenses + 100.0, 2)


def _other_year(report: ReportContent, i: int) -> None:
    report.units[i].year = report.year - 1


DEFECTS = (
    Defect("sums", "labelled_total_equals_parts", _unit("adults_printed", lambda u: u.adults + 1), "Asiakkaita yhteensä"),
    Defect("values", "occupancy_in_range", _unit("occupancy_printed", lambda u: 100.0 + u.occupancy), "Käyttöaste"),
    Defect("municipalities", "municipality_count_matches", _unit("count_printed", lambda u: len(u.towns) + 1),
           "Asiakaskuntia"),
    Defect("funding", "funding_total_present", _unit("show_funding_total", lambda u: False), None),
    Defect("funding-sum", "labelled_total_equals_parts",
           _unit("funding_total_printed", lambda u: round(sum(v for _, v in u.funding) + 1.0, 2)), "Tuotot yhteensä"),
    Defect("unit-year", "unit_year_is_report_year", _other_year, None),
    Defect("finance", "finance_identity", _result_off, None, per_unit=False),
    Defect("list-lost", "municipality_list_read", _unit("list_printed", lambda u: f"Kunnat: {len(u.towns)} eri kuntaa"),
           "Asiakaskuntia"),
)


# What a layout does not print, so a defect in it cannot be printed either: a summary chapter has no notes,
# no municipality count or list, and its year lives in the column heads (a unit under another year's heads
# is caught as a critical extraction issue instead, see tests/test_layout_zoo_summary.py).
NOT_PRINTED: dict[str, set[str]] = {"summary-chapter-year-columns": {"municipalities", "list-lost", "unit-year"}}


def printable(defect: Defect, layout_name: str) -> bool:
    return defect.family not in NOT_PRINTED.get(layout_name, set())


def defect_for(index: int, layout_name: str) -> Defect:
    """The `index`-th defect (cycling) that `layout_name` can print."""
    candidates = [d for d in DEFECTS if printable(d, layout_name)]
    return candidates[index % len(candidates)]


def layout_for(index: int, defect: Defect) -> str:
    """The `index`-th layout (cycling) that can print `defect`."""
    names = [n for n in LAYOUTS if printable(defect, n)]
    return names[index % len(names)]


def with_defect(report: ReportContent, defect: Defect, unit_index: int) -> ReportContent:
    copy = dataclasses.replace(report, units=[dataclasses.replace(u, towns=list(u.towns), funding=list(u.funding))
                                               for u in report.units])
    defect.inject(copy, unit_index)
    return copy


@dataclass
class Outcome:
    layout: str
    defect: str | None
    critical: list                     # the critical failures
    caught: bool | None = None         # for a defect: its check failed on the right unit and page
    problem: str | None = None


def run_one(report: ReportContent, layout_name: str, folder: Path, defect: Defect | None = None,
            unit_index: int = 0) -> Outcome:
    """Draw, extract and validate one report (with `defect` injected into unit `unit_index`)."""
    from pipeline.extract.report import extract_report
    from pipeline.validate.run import validate_extraction

    content = with_defect(report, defect, unit_index) if defect else report
    name = f"{layout_name}-{defect.family if defect else 'clean'}-{unit_index}.pdf"
    extraction = extract_report(draw(content, layout_name, folder / name))
    validation = validate_extraction(extraction)
    outcome = Outcome(layout_name, defect.family if defect else None, validation.critical)
    if defect is None:
        return outcome
    unit = report.units[unit_index].name if defect.per_unit else None
    figures = extraction.figures
    if defect.per_unit:
        mine = figures[figures["unit"] == unit]
        rows = mine[mine["label"] == defect.label] if defect.label else mine
        pages = {int(p) for p in rows["page"]}
    else:
        pages = set(int(p) for p in extraction.finance_summary["page"])
    hits = [f for f in validation.critical if f.check == defect.check]
    outcome.caught = any(f.unit == unit and f.page is not None and f.page in pages for f in hits)
    if not outcome.caught:
        outcome.problem = (f"{defect.family} in {unit} ({layout_name}) not caught on pages {sorted(pages)}: "
                           + "; ".join(f.line() for f in validation.critical))
    return outcome
