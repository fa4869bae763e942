"""Prefect flows end to end: real extractor, real validator, real DuckDB, real Prefect runs.

Flow runs go to the session's Prefect test harness (tests/conftest.py). The
second report year and the report that fails validation are small PDFs drawn by
tests/pdf_factory.py and read by the real extractor.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
from functools import partial

import duckdb
import pandas as pd
import pytest

from conftest import SAMPLE_PDF
from warehouse_helpers import snapshot
from flows.ingest import build_tables, hash_file, ingest_folder, ingest_report, run_ingest
from pipeline.load import duckdb_store as warehouse
from pipeline.ingest.cache import entry_path
from pipeline.ingest.record import extractor_fingerprint, file_sha256, newest_report
from pipeline.model.schema import DATA_TABLES
from pdf_factory import small_report

pytestmark = pytest.mark.usefixtures("prefect_harness")

SAMPLE_COUNTS = {"figures": 153, "funding": 20, "finance_summary": 4, "municipalities": 59,
                 "unit_metrics": 80, "unit_summary": 9, "other_year_figures": 0}
LAHTI = "lahden-ensi-ja-turvakoti-ry"  # the sample's association, from its cover


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One real ingestion of the sample: (outcome, warehouse path, cache dir, parquet dir)."""
    root = tmp_path_factory.mktemp("loaded")
    outcome = ingest_report(SAMPLE_PDF, warehouse=root / "wh" / "etk.duckdb", parquet_dir=root / "parquet",
                            cache_dir=root / "cache")
    return outcome, root / "wh" / "etk.duckdb", root / "cache", root / "parquet"


@pytest.fixture
def warehouse_copy(loaded, tmp_path):
    """A private copy of the loaded warehouse, so tests can change it independently."""
    _, path, _, _ = loaded
    copy = tmp_path / "etk.duckdb"
    shutil.copy(path, copy)
    return copy


def test_ingest_report_loads_the_sample(loaded):
    outcome, path, cache, parquet = loaded
    assert outcome.status == "loaded", outcome.summary()
    assert outcome.exit_code == 0 and outcome.report_year == 2022 and not outcome.cache_hit
    assert outcome.row_counts == SAMPLE_COUNTS
    assert outcome.validation["passed"] and outcome.validation["critical_failures"] == 0
    assert "Vertaistukiryhmä" in outcome.unmapped_labels and "Aamuturinat" not in outcome.unmapped_labels
    assert outcome.targets == {"duckdb": str(path)}
    assert {t: c.get((LAHTI, 2022), 0) for t, c in warehouse.row_counts(path).items()} == SAMPLE_COUNTS
    assert list((parquet / "unit_summary" / f"organization_id={LAHTI}" / "report_year=2022").glob("*.parquet"))
    log = warehouse.read_table(path, "ingestions")
    assert list(log["status"]) == ["loaded"] and log.loc[0, "sha256"] == file_sha256(SAMPLE_PDF)
    assert list(cache.iterdir()), "the extraction result is persisted in the cache folder"
    assert "loaded report year 2022" in outcome.summary()


def test_reingesting_the_same_file_hits_the_cache_and_keeps_counts(loaded, warehouse_copy):
    _, _, cache, _ = loaded
    before = snapshot(partial(warehouse.read_table, warehouse_copy))
    outcome = ingest_report(SAMPLE_PDF, warehouse=warehouse_copy, cache_dir=cache)
    assert outcome.status == "loaded" and outcome.cache_hit, outcome.summary()
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(before[name], warehouse.read_table(warehouse_copy, name), obj=name)
    log = warehouse.read_table(warehouse_copy, "ingestions").sort_values("started_at")
    assert list(log["status"]) == ["loaded", "loaded"] and list(log["extract_cached"]) == [False, True]


def test_the_cache_is_on_disk_not_in_memory(loaded, tmp_path):
    """A copy of the cache folder answers for the same file: the cache survives the process."""
    _, _, cache, _ = loaded
    copied = tmp_path / "cache-copy"
    shutil.copytree(cache, copied)
    hit = ingest_report(SAMPLE_PDF, warehouse=tmp_path / "a.duckdb", cache_dir=copied)
    miss = ingest_report(SAMPLE_PDF, warehouse=tmp_path / "b.duckdb", cache_dir=tmp_path / "empty-cache")
    assert hit.cache_hit and not miss.cache_hit
    assert hit.row_counts == miss.row_counts == SAMPLE_COUNTS


def test_a_report_failing_validation_changes_nothing(warehouse_copy, tmp_path):
    """Same year as the loaded sample (2022): its earlier load must stay as it was."""
    bad = small_report(tmp_path / "toimintakertomus-2022-korjattu.pdf", year=2022, income_total=1_000_100.00)
    before = snapshot(partial(warehouse.read_table, warehouse_copy))
    outcome = ingest_report(bad, warehouse=warehouse_copy, parquet_dir=tmp_path / "parquet")
    assert outcome.status == "failed_validation" and outcome.exit_code == 1, outcome.summary()
    assert outcome.validation["critical_failures"] >= 1
    assert any("Tuotot yhteensä" in line for line in outcome.validation["failures"])
    assert "NOT loaded" in outcome.summary()
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(before[name], warehouse.read_table(warehouse_copy, name), obj=name)
    assert not (tmp_path / "parquet").exists()
    log = warehouse.read_table(warehouse_copy, "ingestions")
    failed = log[log["status"] == "failed_validation"]
    assert len(failed) == 1 and failed.iloc[0]["report_year"] == 2022


def test_unreadable_input_is_an_error_outcome_not_a_traceback(tmp_path, capfd):
    not_pdf = tmp_path / "notes.pdf"
    not_pdf.write_text("not a pdf at all")
    outcome = run_ingest(not_pdf, warehouse=tmp_path / "etk.duckdb")
    assert outcome.status == "error" and outcome.exit_code == 2
    assert "notes.pdf" in outcome.message
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert warehouse.read_table(tmp_path / "etk.duckdb", "ingestions")["status"].tolist() == ["error"]


def test_run_ingest_keeps_the_console_quiet(loaded, tmp_path, capfd):
    _, _, cache, _ = loaded
    outcome = run_ingest(SAMPLE_PDF, warehouse=tmp_path / "etk.duckdb", cache_dir=cache)
    assert outcome.status == "loaded"
    out, err = capfd.readouterr()
    assert "Flow run" not in out + err and "Task run" not in out + err


@pytest.mark.parametrize("validate_in_workers", [False, True], ids=["validate-in-flow", "validate-in-workers"])
def test_ingest_folder_loads_two_years(loaded, tmp_path, validate_in_workers):
    _, _, cache, _ = loaded
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE_PDF, inbox / SAMPLE_PDF.name)
    small_report(inbox / "toimintakertomus-2021.pdf", year=2021, organisation="LAHDEN ENSI- JA TURVAKOTI RY:N")
    path = tmp_path / "etk.duckdb"
    outcomes = ingest_folder(inbox, warehouse=path, cache_dir=cache, validate_in_workers=validate_in_workers)
    assert [(o.report_year, o.status) for o in outcomes] == [(2021, "loaded"), (2022, "loaded")], \
        "\n".join(o.summary() for o in outcomes)
    assert all(o.validation and o.validation["passed"] for o in outcomes)  # validated wherever it ran
    assert outcomes[1].cache_hit  # 2022 came from the cache the sample's first ingestion filled
    counts = warehouse.row_counts(path)
    assert counts["figures"] == {(LAHTI, 2021): 21, (LAHTI, 2022): 153}
    assert counts["unit_summary"] == {(LAHTI, 2021): 2, (LAHTI, 2022): 9}
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT report_year, clients_total, total_income_eur FROM unit_summary "
                           "WHERE unit = 'ENSIKOTI' ORDER BY 1").fetchall()
    assert rows == [(2021, 70, 1_000_000.0), (2022, 82, 1040977.41)]
    assert newest_report(inbox).name == SAMPLE_PDF.name


def test_ingest_folder_compares_consecutive_years_of_the_folder(tmp_path, capsys):
    """Issue 20: two consecutive years in one folder run (empty warehouse): the later one names the unit
    that disappeared and the one that appeared, on stderr, each line prefixed with its file name."""
    from etk_report.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    small_report(inbox / "toimintakertomus-2022.pdf", year=2022)
    small_report(inbox / "toimintakertomus-2023.pdf", year=2023, second_unit="PERHETUPA")
    assert main(["ingest-folder", str(inbox), "--warehouse", str(tmp_path / "etk.duckdb"), "-q"]) == 0
    out, err = capsys.readouterr()
    yoy = [line for line in err.splitlines() if "year_over_year" in line]
    assert all(line.startswith("toimintakertomus-2023.pdf: warning: year_over_year: ") for line in yoy), err
    assert any("TURVAKOTI" in line and "disappeared" in line or "not in 2023" in line for line in yoy), err
    assert any("PERHETUPA" in line and "new in 2023" in line for line in yoy), err
    assert "year_over_year" not in out


def test_ingest_folder_loads_in_year_order_when_path_order_is_not(tmp_path, capsys):
    """A folder whose file names sort the later year first: the later year loads when it comes, the
    earlier year when it comes, then the later year again, so it is compared with the earlier one."""
    from etk_report.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    small_report(inbox / "a-2023.pdf", year=2023, second_unit="PERHETUPA")
    small_report(inbox / "b-2022.pdf", year=2022)
    path = tmp_path / "etk.duckdb"
    assert main(["ingest-folder", str(inbox), "--warehouse", str(path), "-q"]) == 0
    out, err = capsys.readouterr()
    assert any(line.startswith("a-2023.pdf: warning: loaded again after b-2022.pdf") for line in err.splitlines()), err
    assert any(line.startswith("a-2023.pdf: warning: year_over_year: ") and "PERHETUPA" in line
               for line in err.splitlines()), err
    log = warehouse.read_table(path, "ingestions").sort_values("started_at")
    assert sorted(log["file_name"]) == ["a-2023.pdf", "a-2023.pdf", "b-2022.pdf"]
    assert set(log["status"]) == {"loaded"}
    assert sorted(year for _, year in warehouse.row_counts(path)["unit_summary"]) == [2022, 2023]


# --- the tasks' functions, without the engine -------------------------------------------

def test_cache_key_follows_the_bytes_not_the_path(tmp_path):
    copy = tmp_path / "renamed.pdf"
    shutil.copy(SAMPLE_PDF, copy)
    sha = hash_file.fn(str(copy))
    assert sha == file_sha256(SAMPLE_PDF)  # the path does not matter, the bytes do
    fingerprint = extractor_fingerprint()
    key = entry_path(tmp_path, sha, fingerprint)
    assert key == entry_path(tmp_path, file_sha256(SAMPLE_PDF), fingerprint)
    other = small_report(tmp_path / "other.pdf", year=2021)
    assert key != entry_path(tmp_path, file_sha256(other), fingerprint)


def test_build_tables_task_function(sample_extraction):
    tables = build_tables.fn(sample_extraction)
    assert tables.report_year == 2022 and tables.row_counts() == SAMPLE_COUNTS


def test_a_locked_warehouse_is_retried_and_loads_once(sample_extraction, tmp_path, monkeypatch):
    """The first load attempt meets a lock (DuckDB's IOException, raised once on purpose): the
    task is retried and loads once, and the retry leaves no duplicate rows. Deterministic: no
    second process, no clock."""
    from prefect import flow
    from prefect.client.orchestration import get_client

    from flows.ingest import load_duckdb
    from pipeline.ingest.record import IngestionRecord, utcnow
    from pipeline.model.derive import build_tables as derive

    path = tmp_path / "etk.duckdb"
    tables = derive(sample_extraction)
    record = IngestionRecord(file_name="x.pdf", sha256=None, started_at=utcnow(), status="loaded",
                             report_year=2022, row_counts=tables.row_counts())
    real_load, calls = warehouse.load_year, []

    def locked_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise duckdb.IOException(f'Could not set lock on file "{path}": Conflicting lock is held')
        return real_load(*args, **kwargs)

    monkeypatch.setattr(warehouse, "load_year", locked_once)

    @flow
    def load_once():
        return load_duckdb.with_options(retry_delay_seconds=0)(str(path), tables, record, return_state=True)

    state = load_once()
    assert state.is_completed() and len(calls) == 2
    with get_client(sync_client=True) as client:
        assert client.read_task_run(state.state_details.task_run_id).run_count == 2
    assert warehouse.row_counts(path)["figures"] == {(LAHTI, 2022): 153}
    assert len(warehouse.read_table(path, "ingestions")) == 1


def test_a_bad_input_error_is_not_retried(sample_extraction, tmp_path, monkeypatch):
    """Only what a second try can fix is retried: a ValueError fails the task at once."""
    from prefect import flow

    from flows.ingest import load_duckdb
    from pipeline.ingest.record import IngestionRecord, utcnow
    from pipeline.model.derive import build_tables as derive

    tables = derive(sample_extraction)
    record = IngestionRecord(file_name="x.pdf", sha256=None, started_at=utcnow(), status="loaded",
                             report_year=2022, row_counts=tables.row_counts())
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise ValueError("not transient")

    monkeypatch.setattr(warehouse, "load_year", broken)

    @flow
    def load_once():
        return load_duckdb.with_options(retry_delay_seconds=0)(str(tmp_path / "w.duckdb"), tables, record,
                                                               return_state=True)

    assert load_once(return_state=True).is_failed() and len(calls) == 1


def test_the_yearly_flow_takes_the_newest_report_and_fails_unless_loaded(tmp_path):
    from datetime import datetime, timezone

    from prefect.server.schemas.schedules import CronSchedule

    from flows.serve import ingest_newest, schedule

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    small_report(inbox / "toimintakertomus-2021.pdf", year=2021)
    small_report(inbox / "toimintakertomus-2023.pdf", year=2023, income_total=1.0)
    assert newest_report(inbox).name == "toimintakertomus-2023.pdf"
    with pytest.raises(RuntimeError, match="NOT loaded: toimintakertomus-2023.pdf"):
        ingest_newest(str(inbox), warehouse=str(tmp_path / "etk.duckdb"))
    sched = schedule()  # the next runs it makes: every 1 April, 06:00 Helsinki time
    runs = CronSchedule(cron=sched.cron, timezone=sched.timezone).get_dates(
        n=2, start=datetime(2027, 1, 1, tzinfo=timezone.utc))
    if inspect.isawaitable(runs):  # Prefect answers with a coroutine when an event loop is about
        runs = asyncio.run(runs)
    assert [(r.year, r.month, r.day, r.hour, str(r.tzinfo)) for r in runs] == [
        (2027, 4, 1, 6, "Europe/Helsinki"), (2028, 4, 1, 6, "Europe/Helsinki")]


def test_the_ingest_command_exits_0_loaded_1_failed_validation_2_bad_input(loaded, tmp_path, capsys):
    """`etk-report ingest` end to end in this process (the harness is the Prefect API)."""
    from etk_report.cli import main

    _, _, cache, _ = loaded
    target = tmp_path / "etk.duckdb"
    shutil.copy(loaded[1], target)
    before = snapshot(partial(warehouse.read_table, target))

    bad = small_report(tmp_path / "toimintakertomus-2022.pdf", year=2022, income_total=1.0)
    assert main(["ingest", str(bad), "--warehouse", str(target)]) == 1
    out, err = capsys.readouterr()
    refusal = [line for line in err.splitlines() if "NOT loaded" in line]  # one line on stderr, none on stdout
    assert "NOT loaded" not in out and len(refusal) == 1 and refusal[0].startswith("etk-report: NOT loaded: ")
    assert "Tuotot yhteensä" in refusal[0] and err.splitlines()[-1] == refusal[0]
    log = warehouse.read_table(target, "ingestions").sort_values("started_at").iloc[-1]
    assert log["status"] == "failed_validation" and log["rows_figures"] == 0  # extracted, not loaded
    for name in DATA_TABLES:
        pd.testing.assert_frame_equal(before[name], warehouse.read_table(target, name), obj=name)

    encrypted = tmp_path / "locked.pdf"
    from pdf_factory import cover, write_report
    write_report(encrypted, [cover(2022)], encrypt="salasana")
    assert main(["ingest", str(encrypted), "--warehouse", str(target)]) == 2
    out, err = capsys.readouterr()
    assert err.strip().count("\n") == 0 and "locked.pdf" in err and "encrypted" in err and out == ""

    assert main(["ingest", str(SAMPLE_PDF), "--warehouse", str(target)]) == 0
    assert warehouse.row_counts(target)["figures"] == {(LAHTI, 2022): 153}


def _niceness_after(niceness: int) -> int:
    from flows.ingest import _run_nicer

    _run_nicer(niceness)
    _run_nicer(niceness)  # once per process, not once per report
    return os.nice(0)


def test_local_workers_run_nicer_than_the_flow_and_the_flow_never_does():
    import multiprocessing

    from flows.ingest import WORKER_NICENESS, _run_nicer

    before = os.nice(0)
    _run_nicer(WORKER_NICENESS)  # in the flow's own process (a thread runner runs tasks here): nothing
    assert os.nice(0) == before
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_niceness_after, (WORKER_NICENESS,)) == min(19, before + WORKER_NICENESS)
