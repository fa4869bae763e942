"""Validate an extraction with the GX suites in `expectations/` before anything is loaded.

    report = validate_extraction(extraction, data_docs_dir=Path("out/docs"))
    if not report.passed: ...  # a critical check failed: do not load
    print(report.render_text())

Depends only on the extraction's frames (`figures`, `finance_summary`, `municipalities`,
`report_year`), so any producer of those frames can be validated. GX is imported only by
this module family (`pipeline.validate.run*`); `pipeline.extract.report` stays GX-free.
"""

from __future__ import annotations

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

__all__ = ["Failure", "ValidationReport", "validate_extraction", "validation_frames"]

RAW_TABLES = ("figures", "finance_summary", "municipalities", "extraction_issues")


def validation_frames(extraction: Any, previous_metrics: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The extracted tables plus the derived check tables, keyed by suite name.

    `previous_metrics`: the previous year's unit_metrics rows from the warehouse, if any.
    """
    # GX reports offending rows by index: make it unique so each maps back to one row.
    frames = {name: getattr(extraction, name).reset_index(drop=True) for name in RAW_TABLES}
    frames["extraction_issues"] = without_environment(frames["extraction_issues"])
    frames.update(check_tables(extraction))
    frames["year_over_year"] = compare_years(current_metrics(extraction) if previous_metrics is not None
                                             else None, previous_metrics)
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

    With `previous_metrics` (see `year_over_year.previous_year_metrics`) this year's unit
    metrics are also compared with the previous year's (warnings only).
    """
    from pipeline.validate.gx import run_suites  # GX import is slow: only when validating

    suites = load_suites(expectations_dir)
    frames = validation_frames(extraction, previous_metrics)
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
        environment=environment_notes(extraction),
    )
