"""Turn GX validation results into failures a person can act on, and the report around them.

GX reports a failed expectation with the indexes of the offending rows; looking those rows
up in the validated frame gives unit, page and label, and each check table's own
`expected` / `found` / `detail` columns give the numbers. Works on GX's JSON results, so
nothing here imports GX.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.cells import show_number
from pipeline.validate.preconditions import NotApplicable

CRITICAL, WARNING = "critical", "warning"
# What a check ended as, for a person: a run whose only failures are warnings reads as passed.
PASSED, FAILED, WARNED, NOT_APPLICABLE = "passed", "failed", "warning", "not_applicable"


def plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy/pandas scalars to Python, NA/NaN to None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def show(value: Any) -> str:
    """Numbers as printed in a report line: 82 not 82.0, money with cents."""
    value = plain(value)
    if value is None:
        return "(none)"
    if isinstance(value, float):
        return show_number(value)
    return str(value)


@dataclass
class Failure:
    """One failed check on one row (or on a whole table when no row is to blame)."""

    check: str
    severity: str
    table: str
    unit: str | None
    page: int | None
    label: str | None
    expected: Any
    found: Any
    purpose: str
    detail: str | None = None
    expectation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: plain(value) for key, value in asdict(self).items()}

    def line(self) -> str:
        where = ", ".join(part for part in (
            self.unit, f"p. {self.page}" if self.page is not None else None,
            f"'{self.label}'" if self.label else None) if part) or self.table
        found = show(self.found) + (f" ({self.detail})" if self.detail else "")
        return f"{self.severity.upper():8} {self.check}: {where}: expected {show(self.expected)}, found {found}"


@dataclass
class CheckStatus:
    """One check (a suite's `meta.check`, possibly several expectations) and what it ended as."""

    table: str
    check: str
    severity: str
    purpose: str
    status: str
    failures: int = 0
    not_applicable: int = 0
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_statuses(suites: dict[str, dict[str, Any]], failures: list[Failure],
                   not_applicable: list[NotApplicable]) -> list[CheckStatus]:
    """Every declared check with its status: failed (a critical failure), warning (only warning
    failures), not_applicable (none of its expectations ran), else passed."""
    statuses: dict[tuple[str, str], CheckStatus] = {}
    for table, suite in suites.items():
        for exp in suite["expectations"]:
            meta = exp.get("meta") or {}
            key = (table, meta.get("check"))
            if key not in statuses:
                statuses[key] = CheckStatus(table, meta.get("check"), exp.get("severity") or CRITICAL,
                                            meta.get("purpose", ""), PASSED)
            elif exp.get("severity") == CRITICAL:
                statuses[key].severity = CRITICAL
    skipped_whole = {(n.table, n.check): n.reason for n in not_applicable if n.scope == "check"}
    for n in not_applicable:
        if (n.table, n.check) in statuses:
            statuses[(n.table, n.check)].not_applicable += 1
    for f in failures:
        status = statuses.setdefault((f.table, f.check), CheckStatus(f.table, f.check, f.severity, f.purpose, PASSED))
        status.failures += 1
        status.status = FAILED if f.severity == CRITICAL or status.status == FAILED else WARNED
    for key, reason in skipped_whole.items():
        status = statuses.get(key)
        if status is not None and status.failures == 0:
            status.status, status.reason = NOT_APPLICABLE, reason
    return list(statuses.values())


@dataclass
class ValidationReport:
    """What validation found; `passed` is False when any critical check failed."""

    passed: bool
    failures: list[Failure]
    checks_run: int
    tables: int
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    suite_versions: dict[str, Any] = field(default_factory=dict)
    data_docs_index: Path | None = None
    not_applicable: list[NotApplicable] = field(default_factory=list)
    checks: list[CheckStatus] = field(default_factory=list)
    environment: list[str] = field(default_factory=list)  # the machine, not the report (e.g. no Tesseract)

    @property
    def critical(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == CRITICAL]

    @property
    def warnings(self) -> list[Failure]:
        return [f for f in self.failures if f.severity == WARNING]

    def summary(self) -> str:
        counts = (f"{len(self.critical)} critical, {len(self.warnings)} warning failure(s) "
                  f"in {self.checks_run} checks on {self.tables} tables")
        if self.not_applicable:
            counts += f", {len(self.not_applicable)} not applicable"
        text = (f"Validation passed: {counts}; warnings are reported only." if self.passed
                else f"Validation FAILED: {counts}; loading is blocked.")
        if self.data_docs_index is not None:
            text += f" Data Docs: {self.data_docs_index}"
        return text

    def render_text(self, max_per_check: int = 12) -> str:
        """One line per failure (at most `max_per_check` per check), then the summary."""
        lines, shown = [], {}
        for failure in self.failures:
            key = (failure.table, failure.check)
            shown[key] = shown.get(key, 0) + 1
            if shown[key] <= max_per_check:
                lines.append(failure.line())
        for (table, check), count in shown.items():
            if count > max_per_check:
                lines.append(f"         ... {count - max_per_check} more {check} failure(s) in {table}; "
                             "see to_dict() or Data Docs")
        lines += [n.line() for n in self.not_applicable[:max_per_check]]
        if len(self.not_applicable) > max_per_check:
            lines.append(f"         ... {len(self.not_applicable) - max_per_check} more not applicable; see to_dict()")
        return "\n".join(lines + [self.summary()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "summary": {"critical": len(self.critical), "warning": len(self.warnings),
                        "not_applicable": len(self.not_applicable),
                        "checks_run": self.checks_run, "tables": self.tables, "text": self.summary()},
            "checks": [c.to_dict() for c in self.checks],
            "failures": [f.to_dict() for f in self.failures],
            "not_applicable": [n.to_dict() for n in self.not_applicable],
            "environment": list(self.environment),
            "data_docs_index": str(self.data_docs_index) if self.data_docs_index else None,
            "suites": {name: {"version": self.suite_versions.get(name), "result": result}
                       for name, result in self.results.items()},
        }


# --- from GX results to failures -----------------------------------------------------------

def _expected_text(kind: str, kwargs: dict[str, Any], meta: dict[str, Any]) -> Any:
    if meta.get("expected"):
        return meta["expected"]
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if kind == "expect_column_values_to_be_between":
        if low is not None and high is not None:
            return f"between {show(low)} and {show(high)}"
        return f"at least {show(low)}" if low is not None else f"at most {show(high)}"
    return {
        "expect_column_values_to_be_in_set": f"one of {kwargs.get('value_set')}",
        "expect_column_values_to_not_be_in_set": f"none of {kwargs.get('value_set')}",
        "expect_column_values_to_not_be_null": "a value",
        "expect_column_values_to_match_regex": f"matching {kwargs.get('regex')}",
        "expect_compound_columns_to_be_unique": f"unique ({', '.join(kwargs.get('column_list', []))})",
        "expect_table_columns_to_match_set": f"columns {kwargs.get('column_set')}",
        "expect_table_row_count_to_be_between": f"at least {show(low)} rows",
        "expect_column_unique_value_count_to_be_between":
            f"{show(low)} distinct value(s)" if low == high else f"{show(low)}..{show(high)} distinct values",
    }.get(kind)


def _row_failure(base: dict[str, Any], kind: str, kwargs: dict[str, Any], meta: dict[str, Any],
                 row: pd.Series) -> Failure:
    expected, detail = _expected_text(kind, kwargs, meta), None
    if meta.get("found_column"):
        found = row.get(meta["found_column"])
    elif kind == "expect_column_pair_values_to_be_equal":
        if "expected" in row and "found" in row:
            expected, found, detail = row["expected"], row["found"], row.get("detail")
        else:
            expected, found = row.get(kwargs["column_B"]), row.get(kwargs["column_A"])
    elif kind == "expect_compound_columns_to_be_unique":
        found = "duplicate " + ", ".join(show(row.get(c)) for c in kwargs["column_list"])
    else:
        found = row.get(kwargs.get("column"))
    if detail is None and "detail" in row and kind == "expect_column_values_to_be_between":
        detail = row.get("detail")
    label = row.get("label") if "label" in row else row.get("municipality")
    page = plain(row.get("page"))
    return Failure(**base, unit=plain(row.get("unit")), page=int(page) if page is not None else None,
                   label=plain(label), expected=plain(expected), found=plain(found),
                   detail=plain(detail))


def _exception_message(info: dict[str, Any]) -> str | None:
    if info.get("raised_exception"):
        return info.get("exception_message")
    for value in info.values():  # keyed by metric when a metric failed
        if isinstance(value, dict) and value.get("raised_exception"):
            return value.get("exception_message")
    return None


def _table_found(result: dict[str, Any]) -> Any:
    observed = result.get("observed_value")
    mismatched = (result.get("details") or {}).get("mismatched")
    if mismatched:
        return "; ".join(f"{k} {v}" for k, v in mismatched.items())
    return observed if not isinstance(observed, list) else ", ".join(map(str, observed))


def failures_from_result(table: str, result: dict[str, Any], frame: pd.DataFrame) -> list[Failure]:
    """Failures of one suite's JSON result, one per offending row of `frame`."""
    failures: list[Failure] = []
    for item in result.get("results", []):
        if item.get("success"):
            continue
        config = item["expectation_config"]
        kind, kwargs, meta = config["type"], config.get("kwargs", {}), config.get("meta") or {}
        base = {"check": meta.get("check", kind), "severity": config.get("severity") or CRITICAL,
                "table": table, "purpose": meta.get("purpose", ""), "expectation": kind}
        error = _exception_message(item.get("exception_info") or {})
        res = item.get("result") or {}
        indexes = res.get("unexpected_index_list")
        if error is None and indexes:
            for index in indexes:
                if isinstance(index, dict):  # GX gives row dicts when it cannot give an index
                    failures.append(_row_failure(base, kind, kwargs, meta, pd.Series(index)))
                elif index in frame.index:
                    failures.append(_row_failure(base, kind, kwargs, meta, frame.loc[index]))
            continue
        found = f"check could not run: {error}" if error else _table_found(res)
        failures.append(Failure(**base, unit=None, page=None, label=kwargs.get("column"),
                                expected=_expected_text(kind, kwargs, meta), found=plain(found)))
    return failures


def sort_failures(failures: list[Failure], table_order: list[str]) -> list[Failure]:
    order = {name: i for i, name in enumerate(table_order)}
    return sorted(failures, key=lambda f: (f.severity != CRITICAL, order.get(f.table, len(order)),
                                           f.page if f.page is not None else -1))
