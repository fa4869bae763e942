"""The 2022 sample report, scored by the official scorer and compared field by field with its truth file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.extract.report import extract_report
from pipeline.extract.output.files import write_csvs

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "toimintakertomus-2022.pdf"
TRUTH_FILE = REPO / "fixtures" / "toimintakertomus-2022.truth.json"
# /work/shared in a checkout at /work/main, also found from a worktree deeper down (/work/wt/NAME)
SCORER = next((p / "shared" / "tools" / "score.py" for p in REPO.parents
               if (p / "shared" / "tools" / "score.py").exists()), REPO.parent / "shared" / "tools" / "score.py")


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(TRUTH_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extraction():
    return extract_report(SAMPLE)


@pytest.fixture(scope="module")
def csv_dir(extraction, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-extraction")
    write_csvs(extraction, out)
    return out


def _or_none(value):
    return None if value is None or pd.isna(value) or value == "" else value


def test_official_scorer_gives_full_marks(csv_dir):
    if not SCORER.exists():
        if os.environ.get("CI"):
            pytest.fail(f"official scorer missing: {SCORER}")
        pytest.skip(f"official scorer not found at {SCORER}")
    proc = subprocess.run([sys.executable, str(SCORER), "--truth", str(TRUTH_FILE), "--extraction", str(csv_dir)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "recall 100.0%" in proc.stdout and "precision 100.0%" in proc.stdout, proc.stdout


def test_units_in_order_on_their_pages(extraction, truth):
    got = list(dict.fromkeys(zip(extraction.figures["unit"], extraction.figures["page"])))
    assert got == [(u["unit_title"], u["page"]) for u in truth["units"]]
    assert extraction.report_year == truth["report"]["year"]
    assert extraction.page_count == truth["report"]["page_count"]
    assert set(extraction.figures["unit_year"]) == {2022}


@pytest.mark.parametrize("index", range(9))
def test_every_field_of_every_figure(extraction, truth, index):
    """section, parent, label, value, uom, note and page exactly as the truth has them, in page order."""
    unit = truth["units"][index]
    fig = extraction.figures[extraction.figures["unit"] == unit["unit_title"]]
    got = [(_or_none(r.section), _or_none(r.parent), r.label, float(r.value), r.uom, _or_none(r.note), int(r.page))
           for r in fig.itertuples()]
    want = [(f["section"], f["parent"], f["label"], float(f["value"]), f["uom"], f["note"], unit["page"])
            for f in unit["figures"]]
    assert got == want
    sources = [("note" if f.get("value_source") == "note" else "column") for f in unit["figures"]]
    assert list(fig["value_source"]) == sources


def test_value_boxes_match_the_printed_positions(extraction, truth):
    """x0 and top of each value are where the truth says the value was printed (within 0.05 pt)."""
    for unit in truth["units"]:
        fig = extraction.figures[extraction.figures["unit"] == unit["unit_title"]]
        for row, want in zip(fig.itertuples(), unit["figures"]):
            if want.get("value_bbox"):
                assert row.x0 == pytest.approx(want["value_bbox"][0], abs=0.05), (unit["unit_title"], row.label)
                assert row.top == pytest.approx(want["value_bbox"][1], abs=0.05), (unit["unit_title"], row.label)


def test_finance_summary(extraction, truth):
    fin = extraction.finance_summary
    want = truth["finance_summary"]
    assert list(zip(fin["label"], fin["value"].astype(float))) == [(r["label"], r["value"]) for r in want["rows"]]
    assert set(fin["page"]) == {want["page"]}
    assert list(fin["top"]) == pytest.approx([r["top"] for r in want["rows"]], abs=0.05)


def test_municipality_lists(extraction, truth):
    m = extraction.municipalities
    got = {unit: list(g["municipality"]) for unit, g in m.groupby("unit", sort=False)}
    want = {u["unit_title"]: u["municipalities"]["names"]
            for u in truth["units"] if (u.get("municipalities") or {}).get("names")}
    assert len(want) == 6
    assert got == want
    pages = {u["unit_title"]: u["page"] for u in truth["units"]}
    assert all(pages[r.unit] == r.page for r in m.itertuples())


def test_image_page_is_reported(extraction, truth):
    assert extraction.image_pages == truth["image_only_pages"] == [41]
    assert any(w.startswith("page 41:") and "image" in w for w in extraction.warnings)
    # one line per image page; where Tesseract is missing, one more says what to install (issue 11);
    # the unclaimed numbers are pinned in the next test (issue 9)
    said = [i for i in extraction.issues if i.kind not in ("ocr_unavailable", "unclaimed_number")]
    assert len(said) == 1, extraction.warnings


def test_numbers_that_no_figure_holds_are_reported(extraction, truth):
    """Issue 9: every number printed in a block is accounted for. On the sample four lines hold numbers
    that are in no figure of the truth file (prices in a heading's remark, opening hours); each is
    reported with its page and unit, and none of them is a truth figure's value."""
    unclaimed = extraction.extraction_issues.query("kind == 'unclaimed_number'")
    assert list(zip(unclaimed["page"], unclaimed["unit"])) == [
        (14, "ENSIKOTI"), (14, "ENSIKOTI"), (28, "PIDÄ KIINNI AVOPALVELUYKSIKKÖ JANNIKA"),
        (55, "KOHTAAMISPAIKKA PERHETUPA")]
    assert set(unclaimed["severity"]) == {"warning"}
    assert "255" in unclaimed["text"].iloc[1] and "9-20" in unclaimed["text"].iloc[3]
    truth_values = {f["value"] for u in truth["units"] for f in u["figures"]}
    assert not truth_values & {174.0, 255.0}
