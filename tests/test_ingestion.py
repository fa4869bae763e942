"""What an ingestion attempt ends as (`pipeline.ingest.outcome`), with plain functions as its steps.

No Prefect, no PDF, no database: the steps are fakes that record their calls,
so each decision ('loaded', 'failed_validation', 'error', which ingestions row
goes where, what is only a warning) is checked in milliseconds.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from pipeline.errors import NotAReport
from pipeline.ingest.record import ERROR, FAILED_VALIDATION, LOADED, utcnow
from pipeline.ingest.outcome import (
    LoadSteps,
    Prepared,
    PrepareSteps,
    Targets,
    artifact_key,
    failed_before_prepared,
    finish,
    gate,
    log_line,
    prepare,
    validated,
)

PASSED = {"passed": True, "critical_failures": 0, "warnings": 0, "checks_run": 3, "failures": []}
FAILED = {"passed": False, "critical_failures": 2, "warnings": 0, "checks_run": 3, "failures": ["a", "b"]}


def _tables(year: int = 2022) -> SimpleNamespace:
    frames = {"unit_summary": pd.DataFrame({"unit": ["A", "B"], "clients_total": [1.0, float("nan")]})}
    return SimpleNamespace(report_year=year, frames=frames, unmapped_labels=["Aamuturinat"], warnings=["w-tables"],
                           row_counts=lambda: {"unit_summary": 2})


def _prepared(year: int | None = 2022, validation: dict | None = PASSED, name: str | None = None,
              **kw) -> Prepared:
    name = name or f"report-{year}.pdf"
    kw.setdefault("tables", _tables(year or 0))
    return Prepared(pdf=f"/in/{name}", file_name=name, started_at=utcnow(), sha256="abc", report_year=year,
                    validation=validation, validation_text="all good", **kw)


class Steps:
    """Fake load steps; `fail` names the steps that raise."""

    def __init__(self, *fail: str):
        self.fail, self.calls = set(fail), []

    def _step(self, name: str, result=None):
        def run(*args):
            self.calls.append((name, args))
            if name in self.fail:
                raise OSError(f"{name} broke\nsecond line")
            return result(*args) if callable(result) else result
        run.__name__ = name
        return run

    def load_steps(self) -> LoadSteps:
        return LoadSteps(load_duckdb=self._step("load_duckdb"), load_postgres=self._step("load_postgres"),
                         log_duckdb=self._step("log_duckdb"), log_postgres=self._step("log_postgres"),
                         export=self._step("export", lambda tables, out, fmt: out),
                         artifacts=self._step("artifacts"))

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def record(self, name: str):
        return next(args[-1] for n, args in self.calls if n == name)


TARGETS = Targets(warehouse=Path("/wh/etk.duckdb"))


# --- prepare / validated ---------------------------------------------------------------------

def _prepare_steps(extract) -> PrepareSteps:
    return PrepareSteps(hash_file=lambda path: "sha-" + Path(path).name, extract=extract,
                        build_tables=lambda extraction: _tables(extraction.report_year))


def test_prepare_fills_in_year_warnings_tables_and_cache_hit():
    extraction = SimpleNamespace(report_year="2022", warnings=["w-extract"], source=None)
    p = prepare("/elsewhere/copy.pdf", _prepare_steps(lambda path, sha: (extraction, True)))
    assert p.error is None and p.sha256 == "sha-copy.pdf" and p.report_year == 2022 and p.cache_hit
    assert p.warnings == ["w-extract", "w-tables"]
    assert extraction.source == Path("/elsewhere/copy.pdf")  # a cached extraction points at this file


def test_prepare_with_a_check_step_keeps_its_input_and_drops_the_extraction():
    extraction = SimpleNamespace(report_year=2022, warnings=[], source=None)
    steps = PrepareSteps(hash_file=lambda path: "sha", extract=lambda path, sha: (extraction, False),
                         build_tables=lambda e: _tables(2022), check=lambda e: ("checked", e.report_year))
    p = prepare("/in/r.pdf", steps)
    assert p.checked == ("checked", 2022) and p.extraction is None
    seen = []
    p = validated(p, lambda source: seen.append(source) or (PASSED, "ok"))
    assert seen == [("checked", 2022)] and p.validation == PASSED and p.checked is None


@pytest.mark.parametrize("exc, message", [
    (NotAReport("x.pdf: no statistics pages"), "x.pdf: no statistics pages"),  # already one line for the user
    (KeyError("year"), "KeyError: 'year'"),
])
def test_prepare_turns_errors_into_the_outcome_message(exc, message):
    def extract(path, sha):
        raise exc

    p = prepare("/in/x.pdf", _prepare_steps(extract))
    assert p.error == message and p.tables is None and p.sha256 == "sha-x.pdf"


def test_validated_fills_in_the_summary_and_drops_the_extraction():
    p = validated(_prepared(validation=None, extraction=object()), lambda extraction: (PASSED, "text"))
    assert (p.validation, p.validation_text, p.extraction) == (PASSED, "text", None)


def test_a_crashing_validator_is_an_error_and_an_earlier_error_skips_validation():
    def boom(extraction):
        raise RuntimeError("no context")

    p = validated(_prepared(validation=None, extraction=object()), boom)
    assert p.error == "validation could not run: RuntimeError: no context"
    untouched = validated(_prepared(validation=None, error="bad pdf", extraction=object()), boom)
    assert untouched.error == "bad pdf" and untouched.validation is None


def test_a_dead_worker_becomes_an_error_report():
    p = failed_before_prepared(Path("/in/a.pdf"), MemoryError("killed"))
    assert (p.file_name, p.error, gate(p)) == ("a.pdf", "MemoryError: killed", (ERROR, "MemoryError: killed"))


# --- finish ----------------------------------------------------------------------------------

def test_gate():
    assert gate(_prepared()) == (LOADED, None)
    assert gate(_prepared(validation=FAILED))[0] == FAILED_VALIDATION
    assert gate(_prepared(validation=None))[0] == FAILED_VALIDATION  # never validated: never loaded
    assert gate(_prepared(tables=None)) == (ERROR, "nothing extracted")


def test_a_passing_report_is_loaded_exported_and_gets_artifacts():
    steps = Steps()
    targets = Targets(warehouse=Path("/wh/etk.duckdb"), parquet_dir="/out/pq", csv_dir="/out/csv")
    outcome = finish(_prepared(), targets, steps.load_steps())
    assert outcome.status == LOADED and outcome.exit_code == 0 and outcome.message is None
    assert steps.names() == ["load_duckdb", "export", "export", "artifacts"]
    assert outcome.targets == {"duckdb": "/wh/etk.duckdb"}
    assert outcome.exports == {"parquet": "/out/pq", "csv": "/out/csv"}
    record = steps.record("load_duckdb")
    assert record.status == LOADED and record.ingestion_id == outcome.ingestion_id
    assert record.row_counts == outcome.row_counts == {"unit_summary": 2} and record.unmapped_labels == 1
    assert outcome.unmapped_labels == ["Aamuturinat"] and outcome.finished_at is not None


def test_a_failing_report_loads_nothing_and_is_logged_in_every_target():
    steps = Steps()
    outcome = finish(_prepared(validation=FAILED), Targets(Path("/wh/etk.duckdb"), dsn="pg"), steps.load_steps())
    assert outcome.status == FAILED_VALIDATION and outcome.exit_code == 1
    assert steps.names() == ["log_duckdb", "log_postgres", "artifacts"]
    assert steps.calls[2][1][1] == FAILED_VALIDATION
    record = steps.record("log_duckdb")
    assert record.status == FAILED_VALIDATION and record.message == outcome.message
    # rows_* say what was loaded (nothing); what was extracted stays in the summary
    assert record.row_counts == {"unit_summary": 0} and record.validation["extracted_rows"] == {"unit_summary": 2}
    assert record.as_row()["rows_unit_summary"] == 0


def test_an_error_report_is_logged_without_artifacts():
    steps = Steps()
    outcome = finish(_prepared(error="x.pdf is encrypted", tables=None, validation=None), TARGETS,
                     steps.load_steps())
    assert (outcome.status, outcome.message, outcome.exit_code) == (ERROR, "x.pdf is encrypted", 2)
    assert steps.names() == ["log_duckdb"] and outcome.row_counts == {}


def test_a_failed_duckdb_load_logs_an_error_row_with_a_new_id_in_duckdb_only():
    steps = Steps("load_duckdb")
    outcome = finish(_prepared(), Targets(Path("/wh/etk.duckdb"), dsn="pg", csv_dir="/out"), steps.load_steps())
    assert outcome.status == ERROR and outcome.targets == {"duckdb": "error"}
    assert outcome.message == "DuckDB load failed, nothing changed there: OSError: load_duckdb broke"
    assert steps.names() == ["load_duckdb", "log_duckdb"]  # no postgres, no export, no artifacts
    record = steps.record("log_duckdb")
    assert record.status == ERROR and record.ingestion_id != outcome.ingestion_id


def test_a_failed_postgres_load_is_an_error_but_duckdb_stays_loaded():
    steps = Steps("load_postgres")
    outcome = finish(_prepared(), Targets(Path("/wh/etk.duckdb"), dsn="pg", csv_dir="/out"), steps.load_steps())
    assert outcome.status == ERROR and outcome.targets == {"duckdb": "/wh/etk.duckdb", "postgres": "error"}
    assert outcome.message.startswith("PostgreSQL load failed (DuckDB was loaded): OSError")
    assert steps.names() == ["load_duckdb", "load_postgres"]


def test_a_failed_export_is_an_error_after_the_load():
    outcome = finish(_prepared(), Targets(Path("/wh/etk.duckdb"), parquet_dir="/pq"), Steps("export").load_steps())
    assert outcome.status == ERROR and outcome.targets == {"duckdb": "/wh/etk.duckdb"}
    assert outcome.message == "parquet export to /pq failed (the warehouse was loaded): OSError: export broke"


def test_unwritable_logs_and_artifacts_are_warnings_only():
    outcome = finish(_prepared(validation=FAILED), TARGETS, Steps("log_duckdb", "artifacts").load_steps())
    assert outcome.status == FAILED_VALIDATION
    assert outcome.warnings == ["could not write the ingestions log (log_duckdb): OSError: log_duckdb broke",
                                "could not create Prefect artifacts: artifacts broke\nsecond line"]


def test_log_line_names_the_reason_only_when_not_loaded():
    loaded = finish(_prepared(), TARGETS, Steps().load_steps())
    failed = finish(_prepared(validation=FAILED), TARGETS, Steps().load_steps())
    assert log_line(loaded) == "report-2022.pdf: loaded (report year 2022)"
    assert log_line(failed) == ("report-2022.pdf: failed_validation (report year 2022): "
                                "a critical validation check failed; nothing loaded")


# --- artifacts' content (the folder's load order: tests/test_load_order.py) --------------------------------------------------------

def test_artifact_keys_use_the_year_else_a_clean_stem():
    assert artifact_key("validation", 2022, "Report 2022.pdf") == "etk-validation-2022"
    assert artifact_key("unit-summary", None, "Vuosi_Kertomus.PDF") == "etk-unit-summary-vuosi-kertomus"
