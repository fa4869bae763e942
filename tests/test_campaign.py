"""Issue 20, a consistent report always loads: random consistent reports in every registered layout
validate with no critical failure, and each check family's printed defect is caught on its unit
and page. CI-sized (seeded); `scripts/campaign.py` runs hundreds with a seed of your choice."""

from __future__ import annotations

import random

import pytest

import campaign
from campaign import DEFECTS, LAYOUTS, random_report, run_one

SEED = 20


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_a_consistent_report_has_no_critical_failure_in_any_layout(name, tmp_path):
    rng = random.Random(f"{SEED}-{name}")
    report = random_report(rng)
    outcome = run_one(report, name, tmp_path)
    assert outcome.critical == [], "\n".join(f.line() for f in outcome.critical)


@pytest.mark.parametrize("k, defect", list(enumerate(DEFECTS)), ids=[d.family for d in DEFECTS])
def test_each_defect_family_is_caught_naming_unit_and_page(k, defect, tmp_path):
    rng = random.Random(f"{SEED}-{defect.family}")
    name = campaign.layout_for(k * 5, defect)  # spread the families over the layouts that print them
    report = random_report(rng)
    outcome = run_one(report, name, tmp_path, defect, rng.randrange(len(report.units)))
    assert outcome.caught, outcome.problem


def test_a_layout_registers_in_one_line(tmp_path):
    """What a new layout (the summary chapter of issue 19, say) needs: one entry in the registry."""
    from pdf_factory import Page, Statistics

    campaign.LAYOUTS["test-only"] = lambda r: [Page(Statistics(u.name, u.year, campaign.unit_rows(u)))
                                                for u in r.units]
    try:
        assert run_one(random_report(random.Random(1)), "test-only", tmp_path).critical == []
    finally:
        del campaign.LAYOUTS["test-only"]


def test_a_ruled_heading_is_never_merged_with_the_note_beside_it(tmp_path):
    """The issue's redesign: `RAHOITUS | hoitopäivämaksu 174 €/vrk` in two cells is the section `RAHOITUS`;
    the note's number is reported as unclaimed (a warning), as beside a heading printed without rules."""
    from pipeline.extract.report import extract_report

    report = random_report(random.Random(3))
    extraction = extract_report(campaign.draw(report, "ruled-heading-with-note-cell", tmp_path / "r.pdf"))
    euros = extraction.figures[extraction.figures["uom"] == "€"]
    assert not euros.empty and set(euros["section"]) == {"RAHOITUS"}
    unclaimed = [i for i in extraction.issues if i.kind == "unclaimed_number"]
    assert len(unclaimed) == len(report.units) and all("174" in i.text for i in unclaimed)
