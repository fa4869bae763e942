"""Consistent reports of other shapes than the sample pass validation with no critical failure.

Each report is drawn with `pdf_factory`, read by the real extractor and validated with the
real GX suites: no municipality lists, a unit without a funding section, other finance
wordings, a surplus instead of a deficit, finance labels no vocabulary knows, and chapters
whose text agrees (or not) with their statistics pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf_factory import (
    Figure,
    FinanceSummary,
    Heading,
    MunicipalityList,
    Narrative,
    Page,
    Statistics,
    cover,
    euro,
    write_report,
)
from pipeline.extract.report import extract_report
from pipeline.validate.report import NOT_APPLICABLE, PASSED, ValidationReport
from pipeline.validate.run import validate_extraction

YEAR = 2023


def _unit(name: str, *, municipalities: bool = True, funding: bool = True, staff: str = "10") -> Statistics:
    rows = [
        Figure("Asiakkaita yhteensä", "70", "hlö", bold=True),
        Figure("Aikuiset", "36", "hlö", note="28 naista, 8 miestä", level=1),
        Figure("Lapset", "34", "hlö", level=1),
        Figure("Käyttöaste", "70,50", "%"),
        Figure("Asiakaskuntia", "2", "kpl"),
    ]
    if municipalities:
        rows.append(MunicipalityList(("Kunnat: Lahti ja Hollola",)))
    rows += [Heading("TOIMINTAYMPÄRISTÖ"), Figure("Henkilökunta", staff, "hlö", level=1),
             Figure("Opiskelijat", "3", "hlö", level=1)]
    if funding:
        rows += [Heading("RAHOITUS"), Figure("STEA", euro(90_000.00), "€", level=1),
                 Figure("Muut tuotot", euro(10_000.50), "€", level=1),
                 Figure("Tuotot yhteensä", euro(100_000.50), "€", level=1, bold=True)]
    return Statistics(name, YEAR, rows=tuple(rows))


DEFICIT = (("Kokonaistuotot", euro(3_000_000.00)), ("Kokonaiskulut", euro(-3_050_000.00)),
           ("Tilikauden alijäämä", euro(-50_000.00)), ("Taseen loppusumma", euro(700_000.00)))
SURPLUS_OTHER_WORDS = (("Tuotot yhteensä", euro(3_100_000.00)), ("Kulut yhteensä", euro(-3_050_000.00)),
                       ("Tilikauden ylijäämä", euro(50_000.00)), ("Taseen loppusumma", euro(700_000.00)))
UNKNOWN_WORDS = (("Varsinaisen toiminnan tuotot", euro(2_000_000.00)),
                 ("Varsinaisen toiminnan menot", euro(-1_950_000.25)),
                 ("Toimintavuoden tulos", euro(49_999.75)), ("Taseen loppusumma", euro(700_000.00)))

SHAPES = {
    "no-municipality-lists": lambda: [cover(YEAR), Page(_unit("ENSIKOTI", municipalities=False)),
                                      Page(_unit("TURVAKOTI", municipalities=False)),
                                      Page(FinanceSummary(YEAR, DEFICIT))],
    "one-unit-without-its-list": lambda: [cover(YEAR), Page(_unit("ENSIKOTI")),
                                          Page(_unit("TURVAKOTI", municipalities=False)),
                                          Page(FinanceSummary(YEAR, DEFICIT))],
    "unit-without-funding": lambda: [cover(YEAR), Page(_unit("ENSIKOTI")),
                                     Page(_unit("VERTAISRYHMÄT", funding=False)),
                                     Page(FinanceSummary(YEAR, DEFICIT))],
    "other-finance-wording-and-surplus": lambda: [cover(YEAR), Page(_unit("ENSIKOTI")),
                                                  Page(FinanceSummary(YEAR, SURPLUS_OTHER_WORDS))],
    "finance-wording-unknown": lambda: [cover(YEAR), Page(_unit("ENSIKOTI")),
                                        Page(FinanceSummary(YEAR, UNKNOWN_WORDS))],
    "no-finance-summary": lambda: [cover(YEAR), Page(_unit("ENSIKOTI"))],
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ValidationReport]:
    folder = tmp_path_factory.mktemp("shapes")
    out = {}
    for name, pages in SHAPES.items():
        pdf = write_report(folder / f"{name}.pdf", pages())
        out[name] = validate_extraction(extract_report(pdf))
    return out


def _status(report: ValidationReport, check: str) -> str:
    return next(c.status for c in report.checks if c.check == check)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_consistent_report_of_another_shape_passes(reports: dict[str, ValidationReport], shape: str) -> None:
    report = reports[shape]
    assert report.passed, report.render_text()
    assert report.critical == []


def test_no_municipality_lists_makes_the_count_check_not_applicable(reports: dict[str, ValidationReport]) -> None:
    report = reports["no-municipality-lists"]
    assert _status(report, "municipality_count_matches") == NOT_APPLICABLE
    assert _status(report, "municipalities_one_report_year") == NOT_APPLICABLE
    reasons = {n.check: n.reason for n in report.not_applicable}
    assert reasons["municipality_count_matches"] == "the report lists no client municipalities"
    assert report.to_dict()["summary"]["not_applicable"] == len(report.not_applicable)


def test_unit_without_funding_is_not_applicable_there_only(reports: dict[str, ValidationReport]) -> None:
    report = reports["unit-without-funding"]
    rows = [n for n in report.not_applicable if n.check == "funding_total_present"]
    assert [(n.unit, n.scope) for n in rows] == [("VERTAISRYHMÄT", "row")]
    assert rows[0].page is not None and "no funding section" in rows[0].reason
    assert _status(report, "funding_total_present") == PASSED  # it ran, and passed, on ENSIKOTI


def test_finance_roles_from_other_wordings_and_from_arithmetic(reports: dict[str, ValidationReport]) -> None:
    for shape, how in (("other-finance-wording-and-surplus", "vocabulary"), ("finance-wording-unknown", "arithmetic")):
        report = reports[shape]
        assert _status(report, "finance_identity") == PASSED, shape
        assert _status(report, "finance_roles_clear") == PASSED, shape
        result = report.results["finance_identity"]
        assert result["statistics"]["evaluated_expectations"] == 4, shape
    assert _status(reports["no-finance-summary"], "finance_identity") == NOT_APPLICABLE


def test_broken_identity_is_still_critical_with_other_wordings(tmp_path: Path) -> None:
    wrong = (("Tuotot yhteensä", euro(3_100_000.00)), ("Kulut yhteensä", euro(-3_050_000.00)),
             ("Tilikauden ylijäämä", euro(40_000.00)))
    pdf = write_report(tmp_path / "r.pdf", [cover(YEAR), Page(_unit("ENSIKOTI")), Page(FinanceSummary(YEAR, wrong))])
    report = validate_extraction(extract_report(pdf))
    assert not report.passed
    assert [(f.check, f.expected, f.found) for f in report.critical] == [("finance_identity", 40000.0, 50000.0)]


# --- narrative against tables on generated chapters ---------------------------------------------

CHAPTER = (
    f"Vuoden {YEAR} aikana asiakkaita oli yhteensä 70 ja palvelu toimi koko vuoden.",  # agrees with 70
    "Henkilökuntaan kuului yhteensä 12 työntekijää vuoden aikana.",                    # table says 10
    "Tavoitteena on ensi vuonna 15 opiskelijaa vuoden aikana.",                         # a target: skipped
    "Vuonna 2021 asiakkaita oli yhteensä 55.",                                         # another year: skipped
)


def test_narrative_discrepancy_is_a_warning_and_agreement_is_silent(tmp_path: Path) -> None:
    pdf = write_report(tmp_path / "n.pdf", [cover(YEAR), Page(Narrative(CHAPTER, heading="4.1 Ensikoti")),
                                            Page(_unit("ENSIKOTI")), Page(FinanceSummary(YEAR, DEFICIT))])
    report = validate_extraction(extract_report(pdf))
    assert report.passed, report.render_text()
    hits = [f for f in report.failures if f.check == "narrative_agrees_with_table"]
    assert [(f.severity, f.unit, f.label, f.expected, f.found, f.page) for f in hits] == [
        ("warning", "ENSIKOTI", "Henkilökunta", 10.0, 12.0, 2)]
    assert "p. 2:" in hits[0].detail and "12 työntekijää" in hits[0].detail and "p. 3:" in hits[0].detail
    rows = report.results["narrative"]["results"][0]["result"]
    assert rows["element_count"] == 2  # the agreeing statement was compared too, and passed
