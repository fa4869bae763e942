"""One small test per check family on inline frames (the frictionless `__spec__` style),
each with its not-applicable case. No PDF, no GX: the check tables and preconditions alone;
the GX side of every expectation is covered by the defect matrix in test_validate.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.cells import text_or_none
from pipeline.extract.output.tables import frame
from pipeline.validate.checks import figure_values, finance_identity, municipality_counts, sum_checks, unit_pages
from pipeline.validate.checks.finance import find_roles
from pipeline.validate.checks.narrative import chapter_pages, narrative_statements, stems_match
from pipeline.validate.html import render_html
from pipeline.validate.preconditions import PRECONDITIONS, PreconditionError, applicable_suites, rows_not_applicable
from pipeline.validate.report import FAILED, NOT_APPLICABLE, PASSED, WARNED, Failure, ValidationReport, check_statuses
from pipeline.validate.suites import load_suites
from pipeline.validate.vocabulary import validation_vocabulary
from pipeline.validate.year_over_year import compare_years

VOCAB = validation_vocabulary()
Y = 2023


def figures(*rows: tuple) -> pd.DataFrame:
    """(unit, page, row, section, parent, label, value, uom[, note]) rows as a figures frame."""
    keys = ("unit", "page", "row", "section", "parent", "label", "value", "uom", "note")
    return frame("figures", [{"report_year": Y, "unit_year": Y, "value_source": "column", "source": "text",
                              "indent": 0, "x0": 0, "top": 0, **dict(zip(keys, r))} for r in rows])


def finance(*rows: tuple[str, float]) -> pd.DataFrame:
    return frame("finance_summary", [{"report_year": Y, "label": label, "value": value, "page": 9, "top": 10.0 * i}
                                     for i, (label, value) in enumerate(rows)])


def municipalities(unit: str, *names: str) -> pd.DataFrame:
    return frame("municipalities", [{"report_year": Y, "unit": unit, "municipality": n, "page": 3} for n in names])


# --- figure_values -----------------------------------------------------------------------------

def test_figure_values_fill_each_rule_only_where_it_applies() -> None:
    df = figure_values(figures(("A", 3, 1, None, None, "Käyttöaste", 120.0, "%"),
                               ("A", 3, 2, None, None, "Retket", 5.5, "krt"),
                               ("A", 3, 3, None, None, "Osuus", 120.0, "%")), VOCAB)
    assert df["occupancy"].tolist()[0] == 120.0 and pd.isna(df["occupancy"].tolist()[2])  # only occupancy rows
    assert df["count_fraction"].tolist()[1] == 0.5
    assert figure_values(figures(), VOCAB).empty  # nothing to check: no rows, nothing fails


# --- sums --------------------------------------------------------------------------------------

def test_labelled_total_against_indented_parts() -> None:
    df = sum_checks(figures(("A", 3, 1, None, None, "Asiakkaita yhteensä", 82.0, "hlö"),
                            ("A", 3, 2, None, "Asiakkaita yhteensä", "Aikuiset", 43.0, "hlö"),
                            ("A", 3, 3, None, "Asiakkaita yhteensä", "Lapset", 40.0, "hlö")), VOCAB)
    row = df.iloc[0]
    assert (row.basis, row.expected, row.found) == ("labelled_total", 82.0, 83.0)
    assert sum_checks(figures(("A", 3, 1, None, None, "Retket", 5.0, "krt")), VOCAB).empty  # no total: N/A


# --- municipality counts -----------------------------------------------------------------------

def test_municipality_count_and_its_not_applicable_case() -> None:
    figs = figures(("A", 3, 1, None, None, "Asiakaskuntia", 3.0, "kpl"))
    df = municipality_counts(figs, municipalities("A", "Lahti", "Hollola"), VOCAB)
    assert (df.iloc[0].expected, df.iloc[0].found) == (3.0, 2.0)
    # a unit that prints a count but lists nobody, in a report where others list: that row only
    two = figures(("A", 3, 1, None, None, "Asiakaskuntia", 3.0, "kpl"), ("B", 4, 1, None, None, "Kuntia", 5.0, "kpl"))
    rows = municipality_counts(two, municipalities("A", "Lahti", "Hollola", "Orimattila"), VOCAB)
    na = rows_not_applicable({"municipality_counts": load_suites()["municipality_counts"]}, {"municipality_counts": rows})
    assert [(n.check, n.unit, n.scope) for n in na] == [("municipality_count_matches", "B", "row")]
    assert pd.isna(rows["found"].tolist()[1])  # so GX skips it
    suites = {"municipality_counts": load_suites()["municipality_counts"]}
    frames = {"municipality_counts": municipality_counts(figs, municipalities("A"), VOCAB),
              "municipalities": municipalities("A")}
    kept, skipped = applicable_suites(suites, frames)
    # only the loss detector runs: nothing printed was lost, so it passes on every row
    assert [e["meta"]["check"] for e in kept["municipality_counts"]["expectations"]] == ["municipality_list_read"]
    assert frames["municipality_counts"]["list_read"].tolist() == [True]
    assert {(n.check, n.reason) for n in skipped} == {
        ("municipality_count_matches", "the report lists no client municipalities"),
        ("municipality_count_printed", "the report lists no client municipalities")}


# --- finance roles -----------------------------------------------------------------------------

@pytest.mark.parametrize("rows, how, roles", [
    ((("Kokonaistuotot", 100.0), ("Kokonaiskulut", -90.0), ("Tilikauden ylijäämä", 10.0)), "vocabulary",
     {"income": 0, "expenses": 1, "result": 2}),
    ((("Tuotot yhteensä", 100.0), ("Kulut yhteensä", -120.0), ("Tilikauden alijäämä", -20.0)), "vocabulary",
     {"income": 0, "expenses": 1, "result": 2}),
    ((("Erä A", -90.0), ("Erä B", 10.0), ("Erä C", 100.0), ("Tase", 555.0)), "arithmetic",
     {"income": 2, "expenses": 0, "result": 1}),
    ((("Kokonaistuotot", 100.0), ("Erä B", 10.0), ("Erä A", -90.0)), "arithmetic",
     {"income": 0, "expenses": 2, "result": 1}),
    ((("Kokonaistuotot", 100.0), ("Tilikauden tulos", 10.0)), "missing", {"income": 0, "result": 1}),
    ((("Erä A", 1.0), ("Erä B", 2.0)), "ambiguous", {}),
    ((("Erä A", 5.0), ("Erä B", -2.0), ("Erä C", 3.0), ("Erä D", -3.0), ("Erä E", 2.0)), "ambiguous", {}),
])
def test_finance_roles(rows: tuple, how: str, roles: dict) -> None:
    found = find_roles(finance(*rows).to_dict("records"), VOCAB)
    assert (found.how, found.rows) == (how, roles)


def test_finance_identity_table_and_not_applicable_without_a_summary() -> None:
    df = finance_identity(finance(("Tuotot yhteensä", 100.0), ("Kulut yhteensä", -90.0), ("Tilikauden tulos", 11.0)),
                          Y, VOCAB)
    assert (df.iloc[0].expected_cents, df.iloc[0].found_cents, df.iloc[0].roles) == (1100.0, 1000.0, "vocabulary")
    assert finance_identity(finance(), Y, VOCAB).empty
    assert not PRECONDITIONS["finance_summary"].holds({"finance_summary": finance()}, "finance_identity")


# --- units -------------------------------------------------------------------------------------

def test_funding_total_and_a_unit_without_funding() -> None:
    df = unit_pages(figures(("A", 3, 1, "RAHOITUS", None, "STEA", 10.0, "€"),
                            ("B", 4, 1, None, None, "Retket", 5.0, "krt"),
                            ("C", 5, 1, None, None, "Muut tuotot", 5.0, "€")), VOCAB)
    assert df["funding_totals"].tolist()[0] == 0  # A has a funding section without its total
    assert df["has_funding_section"].tolist() == [True, False, True]  # C: euros without a heading still count
    na = rows_not_applicable({"units": load_suites()["units"]}, {"units": df})
    assert [(n.check, n.unit, n.page, n.scope) for n in na] == [("funding_total_present", "B", 4, "row")]


# --- narrative ---------------------------------------------------------------------------------

def test_stems_match_inflections_not_compounds() -> None:
    assert stems_match("puhelua", "puhelut", 5) and stems_match("osallistui", "osallistujaa", 5)
    assert stems_match("erot", "erotilanteet", 5)
    assert not stems_match("mieskavereita", "mieskaverikurssit", 5, 5)
    assert not stems_match("lasta", "lapset", 5)


def test_chapters_end_at_their_statistics_page() -> None:
    assert chapter_pages({"A": 5, "B": 9}, [1, 2, 4, 6, 7, 10]) == {"A": [1, 2, 4], "B": [6, 7]}


@pytest.mark.parametrize("text, found", [
    (f"Turvakodin päivystyspuhelimeen tuli v. {Y} yhteensä 458 kirjattua puhelua.", 458.0),
    (f"Turvakodin päivystyspuhelimeen tuli v. {Y} yhteensä 453 kirjattua puhelua.", 453.0),  # agrees: passes
    ("Turvakodin päivystyspuhelimeen tuli v. 2021 yhteensä 458 kirjattua puhelua.", None),  # another year
    (f"Turvakodin tavoitteena on vuonna {Y} yhteensä 600 puhelua.", None),                  # a target
    ("Turvakotiin tuli vuoden aikana yhteensä 458 puhelua, joista 211 neuvontapuheluita.", 458.0),  # 211: a part
    ("Turvakodin päivystyspuhelimeen tuli 458 kirjattua puhelua.", None),          # not said to be the year's
    (f"Päivystyspuhelimeen tuli v. {Y} yhteensä 458 kirjattua puhelua.", None),    # chapter never names its unit
])
def test_narrative_statements(text: str, found: float | None) -> None:
    figs = figures(("TURVAKOTI", 5, 1, None, None, "Puhelut", 453.0, "kpl"))
    df = narrative_statements(figs, [(4, text)], Y, VOCAB)
    assert df["found"].tolist() == ([found] if found is not None else [])
    if found is not None:
        assert df.iloc[0].page == 4 and df.iloc[0].table_page == 5 and "p. 4:" in df.iloc[0].detail


@pytest.mark.parametrize("text", [
    f"Turvakodin henkilökunta ohjasi v. {Y} yhteensä ryhmiä 18–49 -vuotiaille naisille.",  # an age range
    f"Turvakodin henkilökunta päivysti v. {Y} yhteensä klo 9-20 arkisin.",                   # a clock time
    f"Turvakodin henkilökunta oli v. {Y} yhteensä koolla 14.3.{Y} ja 2.5. Lahdessa.",      # dates
    f"Turvakodin henkilökunta vastasi v. {Y} yhteensä numerossa 040 123 4567.",            # a phone number
    f"Turvakodin henkilökunta muutti v. {Y} yhteensä osoitteeseen Katu 1, 15110 Lahti.",  # a postal code
    f"Turvakodin henkilökunta tapasi v. {Y} yhteensä 3-5 -vuotiaita.",                      # ages
])
def test_narrative_skips_numbers_that_are_no_quantities(text: str) -> None:
    figs = figures(("TURVAKOTI", 5, 1, None, None, "Henkilökunta", 11.0, "hlö"))
    assert narrative_statements(figs, [(4, text)], Y, VOCAB).empty


def test_narrative_drops_page_headers_and_footers() -> None:
    figs = figures(("TURVAKOTI", 5, 1, None, None, "Henkilökunta", 11.0, "hlö"))
    page = f"Toimintakertomus {Y} | 2\nTurvakodin henkilökunta oli v. {Y} yhteensä 11 hlö.\n2"
    df = narrative_statements(figs, [(4, page)], Y, VOCAB)
    assert df["found"].tolist() == [11.0]
    assert narrative_statements(figs, [(4, f"Toimintakertomus {Y}\n12\nTurvakodin henkilökunta v. {Y}")],
                                Y, VOCAB).empty


def test_narrative_work_is_bounded_on_hostile_text() -> None:
    figs = figures(("TURVAKOTI", 5, 1, None, None, "Puhelut", 453.0, "kpl"))
    endless = "Turvakodin puhelut v. 2023 yhteensä " + " ".join(["458 puhelua"] * 50_000) + "."
    assert narrative_statements(figs, [(4, endless)], Y, VOCAB).empty  # skipped, not crunched


def test_narrative_not_applicable_without_text() -> None:
    df = narrative_statements(figures(("T", 5, 1, None, None, "Puhelut", 453.0, "kpl")), [], Y, VOCAB)
    assert df.empty and not PRECONDITIONS["narrative_statements"].holds({"narrative": df}, "narrative")


# --- year against year -------------------------------------------------------------------------

def metrics(year: int, *rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"report_year": year, "unit": u, "metric": m, "value": v, "uom": "hlö", "label": m,
                          "page": 3, "row": i} for i, (u, m, v) in enumerate(rows)])


def test_year_against_year() -> None:
    now = metrics(Y, ("A", "clients_total", 100.0), ("A", "total_income_eur", 5.0), ("NEW", "clients_total", 1.0))
    before = metrics(Y - 1, ("A", "clients_total", 30.0), ("A", "total_income_eur", -5.0), ("OLD", "staff", 2.0))
    df = compare_years(now, before, max_factor=3)
    flagged = {(r.unit, text_or_none(r.metric), text_or_none(r.presence), text_or_none(r.jump) is not None,
                text_or_none(r.sign)) for r in df.itertuples()}
    assert flagged == {("OLD", None, "disappeared", False, None), ("NEW", None, "appeared", False, None),
                       ("A", "clients_total", None, True, None), ("A", "total_income_eur", None, False, "changed sign")}
    assert compare_years(now, before, max_factor=4)["jump"].isna().all()  # ×3.3 is within ×4
    assert compare_years(now, None).empty  # no earlier year: not applicable
    assert not PRECONDITIONS["previous_year"].holds({"year_over_year": compare_years(now, None)}, "year_over_year")


# --- preconditions, statuses, HTML -------------------------------------------------------------

def test_unknown_precondition_is_refused() -> None:
    suite = {"name": "x", "expectations": [{"type": "t", "severity": "warning",
                                            "meta": {"check": "c", "purpose": "p", "requires": ["nope"]}}]}
    with pytest.raises(PreconditionError, match="nope"):
        applicable_suites({"x": suite}, {"x": pd.DataFrame()})


def _failure(check: str, severity: str) -> Failure:
    return Failure(check, severity, "t", "U", 3, "L", 1, 2, "why")


def test_check_statuses_and_warning_only_run_reads_passed() -> None:
    suites = {"t": {"expectations": [
        {"severity": "critical", "meta": {"check": "a", "purpose": "pa"}},
        {"severity": "warning", "meta": {"check": "b", "purpose": "pb"}},
        {"severity": "warning", "meta": {"check": "c", "purpose": "pc"}},
        {"severity": "critical", "meta": {"check": "d", "purpose": "pd", "requires": ["rows"]}}]}}
    _, skipped = applicable_suites(suites, {"t": pd.DataFrame()})
    statuses = {s.check: s.status for s in check_statuses(suites, [_failure("b", "warning")], skipped)}
    assert statuses == {"a": PASSED, "b": WARNED, "c": PASSED, "d": NOT_APPLICABLE}
    assert {s.check: s.status for s in check_statuses(suites, [_failure("a", "critical")], [])}["a"] == FAILED

    report = ValidationReport(passed=True, failures=[_failure("b", "warning")], checks_run=3, tables=1,
                              not_applicable=skipped, checks=check_statuses(suites, [_failure("b", "warning")], skipped))
    page = render_html(report, "R <&>")
    assert "PASSED" in page and "not applicable" in page and "R &lt;&amp;&gt;" in page
    assert "http" not in page and "<script" not in page and "<link" not in page  # nothing to fetch
