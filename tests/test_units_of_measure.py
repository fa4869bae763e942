"""Units of measure are one list: what extraction knows as a unit, validation classifies the same way.

They used to be two lists (`vocabulary.json` for extraction, `validation_vocabulary.json` for
validation), extended separately: `krt/kk` was a rate to validation and unknown to extraction,
`€/vrk` euros to one and a rate to the other. Now `vocabulary.json` `units_of_measure` is the
only list; these tests fail if the two sides drift apart again.
"""

from __future__ import annotations

import json

import pytest

from pdf_factory import Figure, Heading, Page, Statistics, cover, euro, write_report
from pipeline.data import load_json
from pipeline.extract.report import extract_report
from pipeline.extract.vocabulary import MEASURES, VOCABULARY_ENV, UnitsOfMeasure, vocabulary
from pipeline.validate.run import validate_extraction
from pipeline.validate.vocabulary import validation_vocabulary


def _listed(raw: dict) -> dict[str, tuple[str, str | None]]:
    """unit -> (measure, count family) as the data file lists it."""
    units = {u: ("count", family) for family, names in raw["count"].items() for u in names}
    units.update({u: (measure, None) for measure in MEASURES[1:] for u in raw.get(measure, ())})
    return units


def test_every_unit_extraction_knows_validation_classifies_alike() -> None:
    listed = _listed(load_json("vocabulary.json")["units_of_measure"])
    assert {"hlö", "kpl", "krt", "vrk", "€", "%", "krt/kk", "€/vrk"} <= set(listed)
    extraction = {u: vocabulary().uom_kind(u) for u in listed}
    validation = {u: validation_vocabulary().measure(u) for u in listed}
    assert extraction == validation == {u: measure for u, (measure, _) in listed.items()}
    assert {u: validation_vocabulary().count_family(u) for u in listed} == {u: f for u, (_, f) in listed.items()}
    # and nothing the data does not list is a unit to either side
    assert vocabulary().uom_kind("retkeä") is None and validation_vocabulary().measure("retkeä") is None


def test_validation_keeps_no_list_of_units_of_its_own() -> None:
    """The second list is gone; a new one would be the drift these tests are about."""
    raw = load_json("validation_vocabulary.json")
    assert "uoms" not in raw and "units_of_measure" not in raw


def test_a_unit_added_to_the_vocabulary_serves_both_sides(tmp_path, monkeypatch) -> None:
    assert vocabulary().uom_kind("retkeä") is None
    raw = load_json("vocabulary.json")
    raw["units_of_measure"]["count"]["times"].append("retkeä")
    path = tmp_path / "vocabulary.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(VOCABULARY_ENV, str(path))
    assert vocabulary().uom_kind("Retkeä") == "count"
    assert validation_vocabulary().measure("Retkeä") == "count"
    assert validation_vocabulary().count_family("retkeä") == "times"


def test_a_report_names_the_same_unknown_units_in_extraction_and_validation(tmp_path) -> None:
    """`krt/kk` (once unknown to extraction only) is known to both; `retkeä` is unknown to both."""
    block = Statistics("PERHEKESKUS", 2015, rows=(
        Figure("Asiakkaita yhteensä", "12", "hlö", bold=True),
        Figure("Tapaamiset", "4", "krt/kk"),
        Figure("Retket", "5", "retkeä"),
        Heading("RAHOITUS"),
        Figure("Tuotot yhteensä", euro(1000.5), "€", level=1),
    ))
    ex = extract_report(write_report(tmp_path / "units.pdf", [cover(2015), Page(block)]))
    assert dict(zip(ex.figures["label"], ex.figures["uom"])) == {
        "Asiakkaita yhteensä": "hlö", "Tapaamiset": "krt/kk", "Retket": "retkeä", "Tuotot yhteensä": "€"}
    named_by_extraction = [i.text for i in ex.issues if i.kind == "unknown_unit_of_measure"]
    assert len(named_by_extraction) == 1 and "'retkeä'" in named_by_extraction[0]
    report = validate_extraction(ex)
    assert [f.label for f in report.warnings if f.check == "uom_known"] == ["Retket"]


@pytest.mark.parametrize("raw, message", [
    ({"count": {"persons": ["hlö"]}, "euro": ["€"], "days": ["vrk"]}, "unknown measure"),
    ({"count": {"persons": ["hlö"], "times": ["HLÖ"]}}, "more than once"),
    ({"count": {"times": ["krt/vko"]}, "rate": ["krt/vko"]}, "more than once"),
    ({"count": ["hlö", "krt"], "euro": ["€"]}, "families of units"),  # the old shape of the list
])
def test_a_unit_classified_twice_or_by_an_unknown_measure_is_refused(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UnitsOfMeasure.from_data(raw)


def test_a_vocabulary_that_lists_a_unit_twice_is_exit_3_naming_the_file(tmp_path, monkeypatch, capsys) -> None:
    """The user's vocabulary is at fault, not the report: one line naming it, never 'PDF is damaged'."""
    from etk_report.cli import main

    raw = load_json("vocabulary.json")
    raw["units_of_measure"]["rate"].append("hlö")
    path = tmp_path / "vocabulary.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(VOCABULARY_ENV, str(path))
    pdf = write_report(tmp_path / "r.pdf", [cover(2015), Page(Statistics("PERHEKESKUS", 2015, rows=(
        Figure("Asiakkaita", "12", "hlö"),)))])
    assert main(["extract", str(pdf), "--out", str(tmp_path / "out")]) == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "'hlö'" in lines[0] and "damaged" not in lines[0]
