"""Shared fixtures. The Prefect test harness (a temporary API server, ~10 s to start)
is entered at most once per test session, and only by tests that ask for it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PDF = ROOT / "fixtures" / "toimintakertomus-2022.pdf"
SAMPLE_TRUTH = ROOT / "fixtures" / "toimintakertomus-2022.truth.json"



@pytest.fixture(scope="session")
def prefect_harness():
    """Run flows against a throwaway Prefect API (SQLite in a temp dir) for the whole session."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no internet here
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_extraction():
    """The real extractor's reading of the sample report (extracted once per session)."""
    from pipeline.extract.report import extract_report

    return extract_report(SAMPLE_PDF)


@pytest.fixture(scope="session")
def tables2022(sample_extraction):
    """The sample's warehouse tables (report year 2022)."""
    from pipeline.model.derive import build_tables

    return build_tables(sample_extraction)


@pytest.fixture(scope="session")
def tables2021(tables2022):
    """The same rows relabelled as 2021: a second year to show years coexist."""
    from warehouse_helpers import as_year

    return as_year(tables2022, 2021)


@pytest.fixture(scope="session")
def other2022(tmp_path_factory):
    """A second association's 2022 report, drawn: same year as the sample, another name on its cover."""
    from pdf_factory import small_report
    from pipeline.extract.report import extract_report
    from pipeline.model.derive import build_tables

    pdf = small_report(tmp_path_factory.mktemp("other") / "other-2022.pdf", year=2022)
    return build_tables(extract_report(pdf))
