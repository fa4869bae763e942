"""Validate an extraction with the GX suites in `expectations/` before anything is loaded.

    report = validate_extraction(extraction, data_docs_dir=Path("out/docs"))
    if not report.passed: ...  # a critical check failed: do not load
    print(report.render_text())

Depends only on the extraction's frames (`figures`, `finance_summary`, `municipalities`,
`report_year`), so any producer of those frames can be validated. GX is imported only by
this module family (`pipeline.validate.run*`); `pipeline.extract.report` stays GX-free.

Two steps, so they can run in different processes: `validation_input` (the report's tables and
the check tables derived from them: pandas only) and `validate_input` (the GX suites, with the
year-over-year comparison against the warehouse). `validate_extraction` is both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.validate.checks import check_tables
from pipeline.validate.preconditions import applicable_suites, rows_not_applicable
from pipeline.validate.report import (
    CRITICAL,
    Failure,
    ValidationReport,
    check_statuses,
    failures_from_result,
    sort_failures,
)
from pipeline.validate.suites import load_suites
from pipeline.validate.vocabulary import validation_vocabulary
from pipeline.validate.year_over_year import compare_years, current_metrics

__all__ = ["Failure", "ValidationInput", "ValidationReport", "validate_extraction", "validate_input",
           "validation_frames", "validation_input"]

RAW_TABLES = ("figures", "finance_summary", "municipalities", "extraction_issues")


@dataclass
class ValidationInput:
    """What validation reads from one extraction: its tables and the check tables derived from them.

    Everything here depends on the report alone, so a folder run derives it in the worker process
    that extracted the report and sends back these small frames, not the extraction: the process
    that runs Great Expectations then only runs the suites (year over year is added there, since it
    reads the warehouse).
    """

    report_year: int
    frames: dict[str, pd.DataFrame]  # keyed by suite name; no `year_over_year` yet
    environment: list[str] = field(default_factory=list)  # machine problems met while extracting


def validation_input(extraction: Any) -> ValidationInput:
    """The extracted tables plus the derived check tables (pure; no GX)."""
    # GX reports offending rows by index: make it unique so each maps back to one row.
    frames = {name: getattr(extraction, name).reset_index(drop=True) for name in RAW_TABLES}
    frames["extraction_issues"] = without_environment(frames["extraction_issues"])
    frames.update(check_tables(extraction))
    return ValidationInput(int(extraction.report_year), frames, environment_notes(extraction))


def validation_frames(checked: ValidationInput, previous_metrics: pd.DataFrame | None = None,
                      current_metrics: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The frames of every suite: `checked`'s, and this year's unit metrics against the previous
    year's (`previous_metrics`, from the warehouse) when there is one."""
    frames = dict(checked.frames)
    frames["year_over_year"] = compare_years(current_metrics if previous_metrics is not None else None,
                                             previous_metrics)
    return frames


def without_environment(issues: pd.DataFrame) -> pd.DataFrame:
    """Extraction issues about the report only: a missing optional tool is the machine's, not a finding."""
    kinds = validation_vocabulary().environment_issue_kinds
    if issues.empty or "kind" not in issues.columns:
        return issues
    return issues[~issues["kind"].isin(kinds)].reset_index(drop=True)


def environment_notes(extraction: Any) -> list[str]:
    """One line per environment problem extraction met (e.g. Tesseract missing): notes, not findings."""
    kinds = validation_vocabulary().environment_issue_kinds
    return list(dict.fromkeys(i.text for i in getattr(extraction, "issues", []) if i.kind in kinds))


def validate_extraction(extraction: Any, data_docs_dir: Path | None = None, *,
                        expectations_dir: Path | None = None,
                        previous_metrics: pd.DataFrame | None = None) -> ValidationReport:
    """Run every suite on the extraction's tables; build GX Data Docs when a folder is given.

    With `previous_metrics` (see `year_over_year.HeldMetrics.previous`) this year's unit
    metrics are also compared with the previous year's (warnings only).
    """
    return validate_input(validation_input(extraction), data_docs_dir, expectations_dir=expectations_dir,
                          previous_metrics=previous_metrics,
                          current_metrics=current_metrics(extraction) if previous_metrics is not None else None)


def validate_input(checked: ValidationInput, data_docs_dir: Path | None = None, *,
                   expectations_dir: Path | None = None, previous_metrics: pd.DataFrame | None = None,
                   current_metrics: pd.DataFrame | None = None) -> ValidationReport:
    """`validate_extraction` on what `validation_input` derived; `current_metrics` are this report's
    unit metrics as the warehouse stores them (`pipeline.model.derive`), compared with `previous_metrics`."""
    from pipeline.validate.gx import run_suites  # GX import is slow: only when validating

    suites = load_suites(expectations_dir)
    frames = validation_frames(checked, previous_metrics, current_metrics)
    runnable, skipped = applicable_suites(suites, frames)  # preconditions first: absent inputs never fail
    results, index = run_suites(frames, runnable, Path(data_docs_dir) if data_docs_dir else None)
    failures: list[Failure] = []
    for name, result in results.items():
        failures.extend(failures_from_result(name, result, frames[name]))
    failures = sort_failures(failures, list(frames))
    not_applicable = skipped + rows_not_applicable(runnable, frames)
    return ValidationReport(
        passed=not any(f.severity == CRITICAL for f in failures),
        failures=failures,
        checks_run=sum(r["statistics"]["evaluated_expectations"] for r in results.values()),
        tables=len(results),
        results=results,
        suite_versions={name: (suite.get("meta") or {}).get("version") for name, suite in suites.items()},
        data_docs_index=index,
        not_applicable=not_applicable,
        checks=check_statuses(suites, failures, not_applicable),
        environment=checked.environment,
    )
