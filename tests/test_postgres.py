"""PostgreSQL loader against a real server: same tables and per-year semantics as DuckDB.

Needs ETK_TEST_POSTGRES_DSN (CI starts a throwaway server with `source .ci/postgres.sh`).
Each run works in its own schema, dropped at the end, so a shared server is safe.
"""

from __future__ import annotations

import os
import threading
import uuid

import pandas as pd
import pytest

from warehouse_helpers import assert_same_tables, legacy_frames, legacy_statements, snapshot

from pipeline.model.derive import WarehouseTables
from pipeline.ingest.record import FAILED_VALIDATION, LOADED, IngestionRecord, utcnow
from pipeline.model.schema import DATA_TABLES

DSN = os.environ.get("ETK_TEST_POSTGRES_DSN")
LAHTI = "lahden-ensi-ja-turvakoti-ry"  # the sample's association
pytestmark = pytest.mark.skipif(
    not DSN, reason="ETK_TEST_POSTGRES_DSN is not set: start a server with `source .ci/postgres.sh`")

psycopg = pytest.importorskip("psycopg")
from pipeline.load import postgres_store as pgload  # noqa: E402  (needs psycopg)


@pytest.fixture(scope="module")
def schema():
    name = f"etk_test_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def fresh(schema):
    """A clean schema per test (same name, emptied), so tests do not see each other's rows."""
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return schema


def _record(tables, status=LOADED) -> IngestionRecord:
    return IngestionRecord(file_name="r.pdf", sha256="f" * 64, started_at=utcnow(), status=status,
                           report_year=tables.report_year, row_counts=tables.row_counts(),
                           validation={"passed": status == LOADED, "critical_failures": int(status != LOADED),
                                       "warnings": 0, "checks_run": 1, "failures": []})


def _counts(schema, organization_id: str = LAHTI) -> dict[str, dict[int, int]]:
    """{table: {report_year: rows}} of one association."""
    out = {}
    with psycopg.connect(DSN) as conn:
        for name in DATA_TABLES:
            rows = conn.execute(f'SELECT report_year, count(*) FROM "{schema}"."{name}" WHERE organization_id = %s '
                                'GROUP BY 1 ORDER BY 1', (organization_id,)).fetchall()
            out[name] = dict(rows)
    return out


def test_load_and_reload_a_year(fresh, tables2022):
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    first = snapshot(lambda table: pgload.read_table(DSN, table, fresh))
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    assert _counts(fresh)["figures"] == {2022: 153}
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(first[name], pgload.read_table(DSN, name, fresh), obj=name)
    log = pgload.read_table(DSN, "ingestions", fresh)
    assert list(log["status"]) == ["loaded", "loaded"] and set(log["rows_figures"]) == {153}


def test_unit_summary_of_ensikoti_matches_the_truth(fresh, tables2022):
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    with psycopg.connect(DSN) as conn:
        row = conn.execute(f"""SELECT clients_total, adults, children, care_days, occupancy_pct, staff,
                                      total_income_eur FROM "{fresh}".unit_summary
                               WHERE unit = 'ENSIKOTI' AND report_year = 2022""").fetchone()
    assert row == (82, 42, 40, 5845, 77.78, 11, 1040977.41)


def test_two_years_coexist(fresh, tables2022, tables2021):
    pgload.load_year(DSN, tables2021, _record(tables2021), schema=fresh)
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    counts = _counts(fresh)
    assert counts["figures"] == {2021: 153, 2022: 153} and counts["funding"] == {2021: 20, 2022: 20}


def test_a_load_that_fails_midway_changes_nothing(fresh, tables2022, tables2021):
    pgload.load_year(DSN, tables2021, _record(tables2021), schema=fresh)
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    before = snapshot(lambda table: pgload.read_table(DSN, table, fresh))
    frames = dict(tables2022.frames)
    frames["figures"] = frames["figures"].iloc[:5]
    frames["municipalities"] = pd.concat([frames["municipalities"], frames["municipalities"].iloc[:1]])
    broken = WarehouseTables(2022, frames, organization_id=LAHTI)
    with pytest.raises(psycopg.errors.UniqueViolation):
        pgload.load_year(DSN, broken, _record(broken), schema=fresh)
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(before[name], pgload.read_table(DSN, name, fresh), obj=name)
    assert len(pgload.read_table(DSN, "ingestions", fresh)) == 2


def test_a_failed_validation_is_only_logged(fresh, tables2022):
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    before = _counts(fresh)
    pgload.record_ingestion(DSN, _record(tables2022, FAILED_VALIDATION), schema=fresh)
    assert _counts(fresh) == before
    log = pgload.read_table(DSN, "ingestions", fresh)
    assert sorted(log["status"]) == ["failed_validation", "loaded"]


def test_concurrent_loads_of_one_year_leave_one_copy(fresh, tables2022):
    """Loaders racing on the same year into an empty schema (two machines, one server):
    advisory locks serialise creating the tables and replacing the year, so the year ends
    up loaded once, not twice or half, and no CREATE TABLE trips over another."""
    errors: list[BaseException] = []

    def load():
        try:
            pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert _counts(fresh)["figures"] == {2022: 153}
    assert len(pgload.read_table(DSN, "ingestions", fresh)) == 3


def test_new_schema_columns_are_added(fresh, tables2022):
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'ALTER TABLE "{fresh}".unit_summary DROP COLUMN volunteers')
    pgload.load_year(DSN, tables2022, _record(tables2022), schema=fresh)
    summary = pgload.read_table(DSN, "unit_summary", fresh).set_index("unit")
    assert summary.loc["ENSIKOTI", "volunteers"] == 3


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_flow_loads_postgres_too(fresh, tmp_path):
    """The flow's --postgres path; the DSN's search_path picks the schema."""
    from psycopg.conninfo import make_conninfo

    from conftest import SAMPLE_PDF
    from flows.ingest import ingest_report

    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{fresh}"')
    dsn = make_conninfo(DSN, options=f"-csearch_path={fresh}")
    outcome = ingest_report(SAMPLE_PDF, warehouse=tmp_path / "etk.duckdb", postgres_dsn=dsn)
    assert outcome.status == "loaded", outcome.summary()
    assert outcome.targets["postgres"] == "loaded"
    assert _counts(fresh)["unit_summary"] == {2022: 9}


# --- many associations (issue 22) -----------------------------------------------------------

OTHER = "esimerkin-ensi-ja-turvakoti-ry"  # small_report's cover


def _record_of(tables, sha: str) -> IngestionRecord:
    record = _record(tables)
    record.sha256, record.organization_id, record.organization = sha, tables.organization_id, tables.organization
    return record


def test_two_associations_of_one_year_keep_their_own_rows(fresh, tables2022, other2022):
    pgload.load_year(DSN, tables2022, _record_of(tables2022, "a" * 64), schema=fresh)
    lahti_alone = snapshot(lambda table: pgload.read_table(DSN, table, fresh))
    pgload.load_year(DSN, other2022, _record_of(other2022, "b" * 64), schema=fresh)
    assert _counts(fresh)["unit_summary"] == {2022: 9} and _counts(fresh, OTHER)["unit_summary"] == {2022: 2}
    both = snapshot(lambda table: pgload.read_table(DSN, table, fresh))
    for name in DATA_TABLES:
        frame = both[name]
        kept = frame[frame["organization_id"] == LAHTI].reset_index(drop=True)
        pd.testing.assert_frame_equal(lahti_alone[name].reset_index(drop=True), kept, check_dtype=False, obj=name)
    for tables, sha in ((other2022, "b" * 64), (tables2022, "a" * 64)):  # re-ingesting either changes nothing
        pgload.load_year(DSN, tables, _record_of(tables, sha), schema=fresh)
        assert_same_tables(both, snapshot(lambda table: pgload.read_table(DSN, table, fresh)))
    with psycopg.connect(DSN) as conn:
        orgs = [r[0] for r in conn.execute(f'SELECT DISTINCT organization_id FROM "{fresh}".unit_summary ORDER BY 1')]
        trends = conn.execute(f'SELECT count(*) FROM "{fresh}".metric_trends').fetchone()[0]
    assert orgs == [OTHER, LAHTI] and trends == len(tables2022.frames["unit_metrics"]) + len(other2022.frames["unit_metrics"])


def test_an_old_schema_is_migrated_in_place(fresh, tables2022, other2022):
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{fresh}"')
        for sql in legacy_statements("postgres", lambda t: f'"{fresh}"."{t}"'):
            conn.execute(sql)
        for name, frame in legacy_frames(tables2022).items():
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            with conn.cursor() as cur, cur.copy(f'COPY "{fresh}"."{name}" ({cols}) FROM STDIN') as copy:
                for row in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
                    copy.write_row(tuple(row))
    report = pgload.load_year(DSN, other2022, _record_of(other2022, "b" * 64), schema=fresh)
    assert len(report.notes) == 1 and "migrated" in report.notes[0]
    assert _counts(fresh, "unknown")["figures"] == {2022: 153} and _counts(fresh, "unknown")["unit_summary"] == {2022: 9}
    assert _counts(fresh, OTHER)["unit_summary"] == {2022: 2}
    summary = pgload.read_table(DSN, "unit_summary", fresh)
    ensikoti = summary[(summary["organization_id"] == "unknown") & (summary["unit"] == "ENSIKOTI")].iloc[0]
    assert (ensikoti["unit_id"], ensikoti["clients_total"], ensikoti["total_income_eur"]) == (
        "ensikoti", 82, 1040977.41)
    assert pgload.load_year(DSN, other2022, _record_of(other2022, "b" * 64), schema=fresh).notes == []
