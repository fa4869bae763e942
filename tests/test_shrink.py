"""The shrink guard: a partial copy of a year never replaces the fuller one without `--replace`."""

from __future__ import annotations

from functools import partial

import pandas as pd
import pypdfium2 as pdfium
import pytest

from pdf_factory import small_report
from pipeline.ingest.shrink import YearContents, shrink_loss
from pipeline.load import duckdb_store as warehouse
from pipeline.model.schema import DATA_TABLES
from warehouse_helpers import snapshot

FULL = YearContents(frozenset({"ENSIKOTI", "TURVAKOTI"}), 100)


def test_losing_a_unit_or_many_figures_is_named_and_a_small_drop_is_not():
    assert shrink_loss(2021, None, FULL) is None  # nothing loaded yet
    assert shrink_loss(2021, FULL, YearContents(FULL.units, 97)) is None  # a corrected figure or three
    assert shrink_loss(2021, FULL, YearContents(FULL.units | {"UUSI"}, 120)) is None
    fewer = shrink_loss(2021, FULL, YearContents(FULL.units, 90))
    assert fewer and "10 of 100 figures" in fewer and "report year 2021" in fewer and "--replace" in fewer
    lost = shrink_loss(2021, FULL, YearContents(frozenset({"ENSIKOTI"}), 99))
    assert lost and "1 of 2 units (TURVAKOTI)" in lost and "\n" not in lost


def _without_page(source, target, page_number: int):
    """A damaged copy: the same report with one page gone (as a lost 64 KB region can do)."""
    doc = pdfium.PdfDocument(str(source))
    doc.del_page(page_number - 1)
    doc.save(str(target))
    doc.close()
    return target


@pytest.mark.usefixtures("prefect_harness")
def test_a_shrinking_year_is_refused_through_ingest_unless_replace(tmp_path, capsys):
    from etk_report.cli import main

    full = small_report(tmp_path / "toimintakertomus-2021.pdf", year=2021)
    partial_copy = _without_page(full, tmp_path / "copy-2021.pdf", 3)  # TURVAKOTI's page
    target = tmp_path / "etk.duckdb"
    env = ["--warehouse", str(target)]
    assert main(["ingest", str(full), *env]) == 0
    capsys.readouterr()
    before = snapshot(partial(warehouse.read_table, target))

    assert main(["ingest", str(partial_copy), *env]) == 1
    out, err = capsys.readouterr()
    first = err.splitlines()[-1]  # the refusal: one line on stderr
    assert "NOT loaded" not in out and first.startswith("etk-report: NOT loaded")
    assert "NOT loaded" in first and "would shrink" in first and "TURVAKOTI" in first and "--replace" in first
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(before[name], warehouse.read_table(target, name), obj=name)
    log = warehouse.read_table(target, "ingestions").sort_values("started_at")
    assert list(log["status"]) == ["loaded", "failed_validation"]
    assert "would shrink" in log["message"].iloc[-1]

    assert main(["ingest", str(partial_copy), *env, "--replace"]) == 0
    assert set(warehouse.read_table(target, "figures", 2021)["unit"]) == {"ENSIKOTI"}
