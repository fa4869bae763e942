"""Finnish number format (pipeline/present/finnish.py): examples, and a property test that reads every
formatted amount back to the same cents (derandomized, CI-sized)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.present import finnish

NB, MINUS = "\u00a0", "\u2212"


def _read_back(text: str) -> float:
    """The formatted number as a float: what a Finnish reader (or a spreadsheet set to fi-FI) reads."""
    plain = text.replace(f"{NB}€", "").replace(f"{NB}%", "").replace(NB, "").replace(",", ".")
    return -float(plain[1:]) if plain.startswith(MINUS) else float(plain)


def test_examples():
    assert finnish.euro(1028323.76) == f"1{NB}028{NB}323,76{NB}€"
    assert finnish.euro(-106937.52) == f"{MINUS}106{NB}937,52{NB}€"
    assert finnish.percent(77.78) == f"77,8{NB}%" and finnish.percent(100) == f"100,0{NB}%"
    assert finnish.count(5845) == f"5{NB}845" and finnish.count(2.5) == "2,5" and finnish.count(999) == "999"
    assert finnish.euro(None) == finnish.count(float("nan")) == finnish.DASH
    assert finnish.number(-0.001, 2) == "0,00"  # no minus on a number that shows as zero
    assert finnish.by_unit(82, "hlö") == "82" and finnish.by_unit(12.5, "%") == f"12,5{NB}%"
    assert finnish.axis_tick(0.25) == "0,25" and finnish.axis_tick(1500) == f"1{NB}500"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(min_value=-10**11, max_value=10**11))
def test_every_euro_amount_reads_back_to_its_cents(cents):
    text = finnish.euro(cents / 100)
    assert " " not in text and "." not in text  # only no-break spaces; the decimal sign is a comma
    assert round(_read_back(text) * 100) == cents
    digits = text.removeprefix(MINUS).split(",")[0].split(NB)
    assert len(digits[0]) in (1, 2, 3) and all(len(group) == 3 for group in digits[1:])
