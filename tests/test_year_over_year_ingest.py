"""Year against year through the real ingest flow: the second year's report is compared with
the first one already in the warehouse, and the warnings reach the outcome, its JSON summary
and the validation artifact's text, without blocking the load."""

from __future__ import annotations

import json

import pytest

from conftest import SAMPLE_PDF
from flows.ingest import ingest_report
from pdf_factory import small_report

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_second_year_is_compared_with_the_first(tmp_path):
    warehouse, cache = tmp_path / "etk.duckdb", tmp_path / "cache"
    # the same association's earlier year: years are compared within an association (issue 22)
    first = ingest_report(small_report(tmp_path / "toimintakertomus-2021.pdf", year=2021,
                                       organisation="LAHDEN ENSI- JA TURVAKOTI RY:N"),
                          warehouse=warehouse, cache_dir=cache)
    assert first.status == "loaded", first.summary()
    assert "WARNING  unit_in_both_years" not in first.validation_text
    assert "N/A      unit_in_both_years" in first.validation_text  # no earlier year: not applicable

    second = ingest_report(SAMPLE_PDF, warehouse=warehouse, cache_dir=cache)
    assert second.status == "loaded", second.summary()  # warnings never block loading
    text = second.validation_text
    # the sample has seven units the 2021 report did not have; ENSIKOTI and TURVAKOTI are in both
    assert "WARNING  unit_in_both_years: BABY BLUES VAUVAPERHETYÖ" in text and "is new in 2022 (not in 2021)" in text
    assert "unit_in_both_years: ENSIKOTI" not in text and "N/A      unit_in_both_years" not in text
    summary = json.dumps(second.validation, ensure_ascii=False)
    assert "unit_in_both_years" in summary and second.validation["passed"] is True
    assert "is new in 2022 (not in 2021) (lahden-ensi-ja-turvakoti-ry)" in text  # the line names the association


def test_held_metrics_picks_the_associations_latest_earlier_year():
    import pandas as pd

    from pipeline.validate.year_over_year import METRIC_COLUMNS, HeldMetrics

    def rows(org: str, year: int, value: float) -> dict:
        return {"report_year": year, "unit": "ENSIKOTI", "metric": "clients_total", "value": value, "uom": "hlö",
                "label": "Asiakkaita", "page": 3, "row": 1, "organization_id": org, "unit_id": f"{org}/ensikoti"}

    held = HeldMetrics(pd.DataFrame([rows("a", 2019, 1), rows("a", 2021, 2), rows("b", 2022, 3), rows("a", 2023, 4)]))
    previous = held.previous(2023, "a")
    assert previous["value"].tolist() == [2] and list(previous.columns) == METRIC_COLUMNS + ["unit_id"]
    assert held.previous(2022, "b") is None and held.previous(2019, "a") is None
    assert held.previous(2023, None)["report_year"].tolist() == [2022]  # no association: any
    assert held.latest_year_before("a", 2021) == 2019 and held.latest_year_before("c", 2030) is None
    assert HeldMetrics().previous(2022, "a") is None and HeldMetrics().latest_year_before("a", 2022) is None
