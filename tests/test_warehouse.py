"""DuckDB warehouse, derived tables and exports, on the real extraction of the sample report.

Real DuckDB files in tmp_path; no Prefect. The 2021 year is the sample's frames
with report_year/unit_year changed: enough to show that years coexist and that
reloading one year leaves the other alone.
"""

from __future__ import annotations

import json
from functools import partial

import duckdb
import pandas as pd
import pytest

from conftest import SAMPLE_TRUTH
from warehouse_helpers import as_year, assert_same_tables, snapshot
from pipeline.load import duckdb_store as warehouse
from pipeline.model.derive import derive_funding, unit_metrics
from pipeline.load.export import export_year
from pipeline.ingest.record import FAILED_VALIDATION, LOADED, IngestionRecord, utcnow
from pipeline.model.metrics import metric_names, parse_rules
from pipeline.model.schema import DATA_TABLES, warehouse_specs

LAHTI = "lahden-ensi-ja-turvakoti-ry"  # the sample's association, from its cover


def _record(tables, status=LOADED, file_name="toimintakertomus.pdf") -> IngestionRecord:
    return IngestionRecord(file_name=file_name, sha256="0" * 64, started_at=utcnow(), status=status,
                           report_year=tables.report_year, row_counts=tables.row_counts(),
                           validation={"passed": status == LOADED, "critical_failures": 0 if status == LOADED else 1,
                                       "warnings": 0, "checks_run": 1, "failures": []})


@pytest.fixture(scope="module")
def truth():
    return json.loads(SAMPLE_TRUTH.read_text(encoding="utf-8"))


# --- derived tables (pure) --------------------------------------------------------------

def test_funding_is_every_rahoitus_row_but_the_total(tables2022, truth):
    expected = sorted((u["unit_title"], f["label"], f["value"]) for u in truth["units"] for f in u["figures"]
                      if f["section"] == "RAHOITUS" and f["label"] != "Tuotot yhteensä")
    funding = tables2022.frames["funding"]
    got = sorted(zip(funding["unit"], funding["source"], funding["amount_eur"].round(2)))
    assert got == expected
    assert (funding["report_year"] == 2022).all() and funding["page"].notna().all()


def test_unit_summary_of_ensikoti_matches_the_truth(tables2022):
    summary = tables2022.frames["unit_summary"].set_index("unit")
    row = summary.loc["ENSIKOTI"]
    assert (row.clients_total, row.adults, row.children) == (82, 42, 40)
    assert row.care_days == 5845 and row.occupancy_pct == pytest.approx(77.78)
    assert row.staff == 11 and row.volunteers == 3 and row.students == 8
    assert row.total_income_eur == pytest.approx(1040977.41)
    assert row.municipalities_count == 16 and row.municipalities_listed == 16
    assert int(row.page) == 14 and len(summary) == 9


def test_metrics_follow_the_vocabulary_across_wordings(tables2022, truth):
    """'Opiskelijoita' and 'Opiskelijat' are both students; the totals match the truth notes (13)."""
    summary = tables2022.frames["unit_summary"]
    assert summary["students"].sum() == 13
    assert summary["staff"].sum() == 37
    # every unit's income total is mapped
    totals = {u["unit_title"]: f["value"] for u in truth["units"] for f in u["figures"] if f["label"] == "Tuotot yhteensä"}
    got = dict(zip(summary["unit"], summary["total_income_eur"]))
    assert got == pytest.approx(totals)


def test_unmapped_labels_are_listed_and_stay_in_figures(tables2022):
    unmapped = tables2022.unmapped_labels
    assert "Vertaistukiryhmä" in unmapped and "Jonossa olevien lasten määrä" in unmapped
    assert "Asiakkaita yhteensä" not in unmapped and "Käyttöaste" not in unmapped
    assert "STEA" not in unmapped and "Muut tuotot" not in unmapped  # funding rows are the funding table
    # mapped since issue 22 (calls, family_care_days), or marked unit-specific (a named group)
    assert "Puhelut" not in unmapped and "Perheiden hoitovuorokaudet" not in unmapped and "Aamuturinat" not in unmapped
    assert {"Vertaistukiryhmä", "Aamuturinat"} <= set(tables2022.frames["figures"]["label"])
    summary = tables2022.frames["unit_summary"].set_index("unit")
    assert summary.loc["TURVAKOTI", "calls"] == 453 and summary.loc["ENSIKOTI", "family_care_days"] == 92


def test_a_new_wording_is_a_vocabulary_row_not_code(tables2022):
    figures = tables2022.frames["figures"].copy()
    figures.loc[figures["label"] == "Henkilökunta", "label"] = "Työntekijöitä"
    rules = tuple(parse_rules(["metric,label_pattern,uom,parent,section", "staff,Työntekijöitä,hlö,,"]))
    long, unmapped, _ = unit_metrics(figures, rules)
    assert set(long["metric"]) == {"staff"} and len(long) == 9
    assert "Työntekijöitä" not in unmapped
    with pytest.raises(ValueError, match="line 2"):
        parse_rules(["metric,label_pattern,uom,parent,section", "Bad Name,x,,,"])


def test_funding_of_an_empty_extraction_is_empty():
    empty = pd.DataFrame(columns=warehouse_specs()["figures"].column_names)
    assert derive_funding(empty).empty
    assert list(derive_funding(empty).columns) == warehouse_specs()["funding"].column_names


def test_every_data_row_carries_organization_report_year_and_page(tables2022):
    for name in DATA_TABLES:
        frame = tables2022.frames[name]
        # the sample's extraction has no other-year figures yet (issue 19 adds them)
        assert not frame.empty or name == "other_year_figures", name
        assert frame["report_year"].notna().all() and frame["page"].notna().all(), name
        assert (frame["organization_id"] == "lahden-ensi-ja-turvakoti-ry").all(), name
        if "unit" in frame:
            assert frame["unit_id"].notna().all() and frame["unit_id"].str.fullmatch(r"[a-z0-9-]+").all(), name


# --- DuckDB -----------------------------------------------------------------------------

def test_load_sample_creates_tables_from_the_schema_files(tmp_path, tables2022):
    path = tmp_path / "wh" / "etk.duckdb"
    counts = warehouse.load_year(path, tables2022, _record(tables2022))
    assert counts == {"figures": 153, "funding": 20, "finance_summary": 4, "municipalities": 59,
                      "unit_metrics": 80, "unit_summary": 9, "other_year_figures": 0}
    assert warehouse.row_counts(path)["figures"] == {(LAHTI, 2022): 153}
    with duckdb.connect(str(path), read_only=True) as con:
        cols = [r[0] for r in con.execute("DESCRIBE unit_summary").fetchall()]
    # no unit_year since issue 12: it repeated report_year; organization_id and unit_id since issue 22
    assert cols[:5] == ["organization_id", "report_year", "unit", "unit_id", "page"]
    assert cols[5:-1] == metric_names() and cols[-1] == "municipalities_listed"
    log = warehouse.read_table(path, "ingestions")
    assert list(log["status"]) == ["loaded"] and log.loc[0, "rows_figures"] == 153


def test_unit_summary_in_the_warehouse_matches_the_truth(tmp_path, tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2022, _record(tables2022))
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("""SELECT clients_total, adults, children, care_days, occupancy_pct, staff,
                                    total_income_eur FROM unit_summary
                             WHERE unit = 'ENSIKOTI' AND report_year = 2022""").fetchone()
    assert row == (82, 42, 40, 5845, 77.78, 11, 1040977.41)


def test_reloading_a_year_replaces_it_without_duplicates(tmp_path, tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2022, _record(tables2022))
    first = snapshot(partial(warehouse.read_table, path))
    warehouse.load_year(path, tables2022, _record(tables2022))
    assert_same_tables(first, snapshot(partial(warehouse.read_table, path)))
    assert len(warehouse.read_table(path, "ingestions")) == 2  # the log keeps both attempts


def test_two_years_coexist_and_reloading_one_leaves_the_other(tmp_path, tables2022, tables2021):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2021, _record(tables2021))
    warehouse.load_year(path, tables2022, _record(tables2022))
    counts = warehouse.row_counts(path)
    assert counts["figures"] == {(LAHTI, 2021): 153, (LAHTI, 2022): 153}
    assert counts["unit_summary"] == {(LAHTI, 2021): 9, (LAHTI, 2022): 9}
    before_2021 = warehouse.read_table(path, "figures", report_year=2021)
    fewer = as_year(tables2022, 2022)
    fewer.frames = {k: v[v["unit"] != "ENSIKOTI"] if "unit" in v else v for k, v in fewer.frames.items()}
    warehouse.load_year(path, fewer, _record(fewer))
    assert warehouse.row_counts(path)["unit_summary"] == {(LAHTI, 2021): 9, (LAHTI, 2022): 8}
    pd.testing.assert_frame_equal(before_2021, warehouse.read_table(path, "figures", report_year=2021))


def test_a_load_that_fails_midway_changes_nothing(tmp_path, tables2022, tables2021):
    """A duplicate key in the 4th table aborts the load after the first tables were replaced:
    the transaction must roll all of it back, earlier years and the same year's load included."""
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2021, _record(tables2021))
    warehouse.load_year(path, tables2022, _record(tables2022))
    before = snapshot(partial(warehouse.read_table, path))
    log_before = warehouse.read_table(path, "ingestions")
    broken = as_year(tables2022, 2022)
    broken.frames = dict(broken.frames)
    broken.frames["figures"] = broken.frames["figures"].iloc[:10]  # would shrink figures...
    mun = broken.frames["municipalities"]
    broken.frames["municipalities"] = pd.concat([mun, mun.iloc[:1]])  # ...but this key repeats
    with pytest.raises(duckdb.ConstraintException):
        warehouse.load_year(path, broken, _record(broken))
    assert_same_tables(before, snapshot(partial(warehouse.read_table, path)))
    assert len(warehouse.read_table(path, "ingestions")) == len(log_before)


def test_a_failed_validation_is_logged_and_loads_nothing(tmp_path, tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2022, _record(tables2022))
    before = snapshot(partial(warehouse.read_table, path))
    warehouse.record_ingestion(path, _record(tables2022, FAILED_VALIDATION, "bad.pdf"))
    assert_same_tables(before, snapshot(partial(warehouse.read_table, path)))
    log = warehouse.read_table(path, "ingestions").sort_values("started_at")
    failed = log[log["status"] == FAILED_VALIDATION].iloc[0]
    assert failed["file_name"] == "bad.pdf" and bool(failed["validation_passed"]) is False
    assert json.loads(failed["validation_summary"])["critical_failures"] == 1


def test_columns_added_to_the_schema_files_are_added_to_an_old_warehouse(tmp_path, tables2022):
    path = tmp_path / "etk.duckdb"
    warehouse.load_year(path, tables2022, _record(tables2022))
    with duckdb.connect(str(path)) as con:
        con.execute("ALTER TABLE unit_summary DROP COLUMN volunteers")
    warehouse.load_year(path, tables2022, _record(tables2022))
    summary = warehouse.read_table(path, "unit_summary", report_year=2022).set_index("unit")
    assert summary.loc["ENSIKOTI", "volunteers"] == 3


# --- exports ----------------------------------------------------------------------------

def test_parquet_and_csv_exports_are_partitioned_by_organization_and_year(tmp_path, tables2022, tables2021):
    out = tmp_path / "parquet"
    export_year(tables2022, out)
    export_year(tables2021, out)
    export_year(tables2022, out)  # replacing a report rewrites only its folder
    assert [p.name for p in (out / "figures").iterdir()] == [f"organization_id={LAHTI}"]
    assert sorted(p.name for p in (out / "figures" / f"organization_id={LAHTI}").iterdir()) == [
        "report_year=2021", "report_year=2022"]
    counts = duckdb.sql(f"""SELECT organization_id, report_year, count(*)
                            FROM read_parquet('{out}/figures/*/*/*.parquet', hive_partitioning = true)
                            GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    assert counts == [(LAHTI, 2021, 153), (LAHTI, 2022, 153)]
    for name in DATA_TABLES:
        if name != "other_year_figures":  # empty for the sample: no partition
            assert list((out / name / f"organization_id={LAHTI}" / "report_year=2022").glob("*.parquet"))

    csv_dir = tmp_path / "csv"
    export_year(tables2022, csv_dir, "csv")
    summary = pd.read_csv(csv_dir / "unit_summary" / f"organization_id={LAHTI}" / "report_year=2022"
                          / "unit_summary.csv")
    assert summary.set_index("unit").loc["ENSIKOTI", "total_income_eur"] == pytest.approx(1040977.41)
    assert (summary["report_year"] == 2022).all() and (summary["organization_id"] == LAHTI).all()
