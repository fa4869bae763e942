"""`ingest_folder` with its extraction on a Dask cluster (prefect-dask's DaskTaskRunner).

A real `distributed.LocalCluster` (one in-process worker with one thread, so it is small and
PDFium is never used by two threads at once) reached through its scheduler address, as a
remote cluster would be; the loads stay in the flow's process, one at a time.
"""

from __future__ import annotations

import pytest

from pdf_factory import small_report
from pipeline.load import duckdb_store as warehouse

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as local:
        yield local


def test_a_folder_ingested_on_a_dask_cluster_loads_every_year(cluster, tmp_path):
    from flows.ingest import run_folder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    small_report(inbox / "toimintakertomus-2023.pdf", year=2023)
    small_report(inbox / "toimintakertomus-2021.pdf", year=2021)
    small_report(inbox / "broken-2020.pdf", year=2020, income_total=1.0)
    path = tmp_path / "etk.duckdb"
    executed_before = next(iter(cluster.workers.values())).state.executed_count

    outcomes = run_folder(inbox, warehouse=path, task_runner="dask", dask_address=cluster.scheduler_address)

    assert [(o.file_name, o.status) for o in outcomes] == [
        ("broken-2020.pdf", "failed_validation"), ("toimintakertomus-2021.pdf", "loaded"),
        ("toimintakertomus-2023.pdf", "loaded")]
    org = "esimerkin-ensi-ja-turvakoti-ry"  # small_report's cover
    assert set(warehouse.row_counts(path)["unit_summary"]) == {(org, 2021), (org, 2023)}
    log = warehouse.read_table(path, "ingestions")
    assert sorted(log["status"]) == ["failed_validation", "loaded", "loaded"]
    worker = next(iter(cluster.workers.values()))
    assert worker.state.executed_count - executed_before == 3, "each report was prepared on the cluster"


def test_an_unknown_task_runner_is_refused():
    from flows.ingest import folder_task_runner

    with pytest.raises(ValueError, match="unknown task runner"):
        folder_task_runner("threads")
    assert type(folder_task_runner("dask", workers=1)).__name__ == "DaskTaskRunner"
