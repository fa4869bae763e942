"""A poisoned extraction cache: nothing in it is executed, nothing in it is trusted unverified.

Three entries an attacker or a crash could leave under the key of the report being ingested:
a pickle whose unpickling would create a file, another report's valid entry (swapped), and a
truncated entry. Each is ignored with one warning line, the report is re-extracted, and the
entry is overwritten with a verified one.
"""

from __future__ import annotations

import json
import pathlib
import pickle

import pytest

from flows.ingest import ingest_report
from pdf_factory import small_report
from pipeline.ingest.cache import FORMAT, entry_path, read_entry
from pipeline.ingest.record import extractor_fingerprint, file_sha256
from pipeline.load import duckdb_store as warehouse

pytestmark = pytest.mark.usefixtures("prefect_harness")


class _Payload:
    """Unpickling this creates `marker`: the proof that a pickle was executed."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    return small_report(folder / "a-2021.pdf", year=2021), small_report(folder / "b-2023.pdf", year=2023)


def _figures(path) -> int:
    return len(warehouse.read_table(path, "figures"))


def test_a_pickle_under_the_reports_key_is_never_unpickled(reports, tmp_path):
    report, _ = reports
    cache, marker = tmp_path / "cache", tmp_path / "pwned"
    key = entry_path(cache, file_sha256(report), extractor_fingerprint())
    key.parent.mkdir()
    key.write_bytes(pickle.dumps(_Payload(marker)))
    (cache / "etk-extract-legacy-prefect-result").write_bytes(pickle.dumps(_Payload(marker)))

    outcome = ingest_report(report, warehouse=tmp_path / "etk.duckdb", cache_dir=cache)

    assert not marker.exists(), "a cache entry was unpickled"
    assert outcome.status == "loaded" and not outcome.cache_hit, outcome.summary()
    ignored = [w for w in outcome.warnings if "cache entry" in w]
    assert len(ignored) == 1 and key.name in ignored[0] and "re-extracted" in ignored[0]
    entry = json.loads(key.read_text(encoding="utf-8"))  # overwritten with a JSON entry
    assert entry["format"] == FORMAT and entry["sha256"] == file_sha256(report)
    again = ingest_report(report, warehouse=tmp_path / "etk.duckdb", cache_dir=cache)
    assert again.cache_hit and not [w for w in again.warnings if "cache entry" in w]
    assert not marker.exists()


def test_another_reports_entry_under_this_key_is_not_loaded_as_this_report(reports, tmp_path):
    report, other = reports
    cache = tmp_path / "cache"
    fingerprint = extractor_fingerprint()
    first = ingest_report(other, warehouse=tmp_path / "other.duckdb", cache_dir=cache)
    assert first.report_year == 2023
    swapped = entry_path(cache, file_sha256(report), fingerprint)
    entry_path(cache, file_sha256(other), fingerprint).rename(swapped)

    outcome = ingest_report(report, warehouse=tmp_path / "etk.duckdb", cache_dir=cache)

    assert outcome.status == "loaded" and not outcome.cache_hit and outcome.report_year == 2021
    assert any("different PDF" in w and swapped.name in w for w in outcome.warnings), outcome.warnings
    assert set(warehouse.read_table(tmp_path / "etk.duckdb", "figures")["report_year"]) == {2021}
    assert json.loads(swapped.read_text(encoding="utf-8"))["sha256"] == file_sha256(report)


@pytest.mark.parametrize("damage", ["truncated", "garbled", "empty", "edited"])
def test_a_damaged_entry_is_ignored_with_a_reason(reports, tmp_path, damage):
    report, _ = reports
    cache = tmp_path / "cache"
    outcome = ingest_report(report, warehouse=tmp_path / "etk.duckdb", cache_dir=cache) if damage == "truncated" \
        else None
    sha, fingerprint = file_sha256(report), extractor_fingerprint()
    key = entry_path(cache, sha, fingerprint)
    if outcome is None:  # the other damages start from a good entry written without the flow
        from pipeline.extract.report import extract_report
        from pipeline.ingest.cache import write_entry

        write_entry(cache, sha, fingerprint, extract_report(report))
    good = key.read_bytes()
    assert read_entry(cache, sha, fingerprint).extraction is not None
    damaged = {"truncated": good[: len(good) // 2], "garbled": good.replace(b'"rows"', b'"r\xffws"'),
               "empty": b"", "edited": good.replace(b'"value": 70.0', b'"value": 7000.0', 1)}[damage]
    assert damaged != good
    key.write_bytes(damaged)
    answer = read_entry(cache, sha, fingerprint)
    assert answer.extraction is None and answer.problem and key.name in answer.problem
    if damage == "truncated":  # through the flow: re-extracted, overwritten, loaded
        again = ingest_report(report, warehouse=tmp_path / "etk.duckdb", cache_dir=cache)
        assert again.status == "loaded" and not again.cache_hit
        assert _figures(tmp_path / "etk.duckdb") == outcome.row_counts["figures"]
        assert read_entry(cache, sha, fingerprint).extraction is not None


def test_an_entry_round_trips_the_extraction_exactly(sample_extraction, tmp_path):
    """What the cache answers is what extraction produced: every table with its dtypes, and every issue."""
    import pandas as pd

    from pipeline.ingest.cache import write_entry

    write_entry(tmp_path, "0" * 64, "fp", sample_extraction)
    answer = read_entry(tmp_path, "0" * 64, "fp")
    assert answer.problem is None
    got = answer.extraction
    for name in ("figures", "finance_summary", "municipalities", "extraction_issues"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(sample_extraction, name), obj=name)
    assert got.issues == sample_extraction.issues and got.report_year == sample_extraction.report_year
    assert read_entry(tmp_path, "0" * 64, "other-extractor").extraction is None  # another key: no entry
