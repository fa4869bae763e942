"""What one ingestion is and what it ended as: the log row, the outcome, file hashes, settings.

Kept apart from the flows so that the CLI, the flows and the tests share one
definition of 'loaded', 'failed_validation' and 'error' without importing Prefect.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_OK, EXIT_VALIDATION_FAILED

LOADED, FAILED_VALIDATION, ERROR = "loaded", "failed_validation", "error"
DEFAULT_WAREHOUSE = Path("warehouse/etk.duckdb")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """Hash of the pipeline package's code and data files.

    Part of the extraction cache key: a changed extractor must not be answered
    from a cache filled by the old one. Hashing the whole package over-invalidates
    (a warehouse-only change also re-extracts), which is cheap and never wrong.
    """
    digest = hashlib.sha256()
    root = resources.files("pipeline")
    for entry in sorted(_walk(root), key=lambda e: e[0]):
        digest.update(entry[0].encode())
        digest.update(entry[1])
    return digest.hexdigest()[:16]


def _walk(node, prefix: str = "") -> list[tuple[str, bytes]]:
    out = []
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name != "__pycache__":
                out.extend(_walk(child, name + "/"))
        elif child.name.endswith((".py", ".json", ".csv")):
            out.append((name, child.read_bytes()))
    return out


def resolve_warehouse(warehouse: str | Path | None) -> Path:
    return Path(warehouse or os.environ.get("ETK_WAREHOUSE") or DEFAULT_WAREHOUSE)


def resolve_postgres_dsn(dsn: str | None) -> str | None:
    return dsn or os.environ.get("ETK_POSTGRES_DSN") or None


def resolve_cache_dir(cache_dir: str | Path | None, warehouse: Path) -> Path:
    """Extraction cache: $ETK_CACHE_DIR, else a `cache/` folder beside the warehouse file."""
    return Path(cache_dir or os.environ.get("ETK_CACHE_DIR") or warehouse.parent / "cache").resolve()


def list_reports(folder: str | Path, pattern: str = "*.pdf") -> list[Path]:
    """PDFs in `folder` and its subfolders, in path order; matching is case-insensitive on '.pdf'.

    A federation's backfill is a tree (`lahti/2014.pdf`, `oulu/2015.pdf`). Hidden folders are
    skipped and symbolic links to folders are not followed (a link back up would never end).
    Path order compares the parts of the path relative to `folder`, so a folder's files come together.
    """
    folder = Path(folder)
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            path = Path(root) / name
            if path.is_file() and (path.match(pattern) or path.match(pattern.upper())):
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def report_name(pdf: str | Path, folder: str | Path | None = None) -> str:
    """How a report is named in lines, logs and artifacts: its path relative to the folder run's
    folder (two associations' `2022.pdf` stay apart), else its file name."""
    if folder is not None:
        try:
            return Path(pdf).relative_to(folder).as_posix()
        except ValueError:
            pass
    return Path(pdf).name


def newest_report(folder: str | Path, pattern: str = "*.pdf") -> Path | None:
    """The report of the latest year: the largest 4-digit year in the file name, then the newest file.

    Why the name first: a scanned-in old report copied today would win on mtime alone.
    """
    def key(p: Path) -> tuple[int, float]:
        years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", p.name)]
        return (max(years) if years else 0, p.stat().st_mtime)

    reports = list_reports(folder, pattern)
    return max(reports, key=key) if reports else None


def summarize_validation(report: Any) -> dict[str, Any]:
    """A small JSON-able summary of a `pipeline.validate.ValidationReport`.

    {'passed', 'critical_failures', 'warnings', 'checks_run', 'failures': [critical lines first],
    'failure_rows': [the same as table cells, see `failure_row`]}
    """
    failures = list(getattr(report, "failures", []) or [])
    critical = [f for f in failures if getattr(f, "severity", "critical") == "critical"]
    others = [f for f in failures if f not in critical]
    return {
        "passed": bool(report.passed),
        "critical_failures": len(critical),
        "warnings": len(others),
        "checks_run": getattr(report, "checks_run", None),
        "failures": [_failure_text(f) for f in (critical + others)[:20]],
        # every warning failure as one line, for the terminal: `validation`'s extraction issues are
        # already the extraction's own warnings, so they are left out here
        "warning_lines": [_warning_text(f) for f in others if getattr(f, "table", None) != "extraction_issues"],
        "environment": list(getattr(report, "environment", []) or []),
        "failure_rows": [failure_row(f) for f in (critical + others)[:MAX_FAILURE_ROWS]],
    }


def _warning_text(failure: Any) -> str:
    """`check: unit, p. N, 'label': expected ..., found ...` without the severity column; a year over
    year line says so first (`year_over_year: unit_in_both_years: ...`)."""
    text = " ".join(_failure_text(failure).split()[1:])
    return f"year_over_year: {text}" if getattr(failure, "table", None) == "year_over_year" else text


MAX_FAILURE_ROWS = 50  # the validation as a table (Prefect artifact, trend page); the JSON file keeps all


def failure_row(failure: Any) -> dict[str, Any]:
    """One failure as table cells (severity, check, unit, page, label, expected, found), numbers as printed."""
    from pipeline.validate.report import plain, show

    detail = getattr(failure, "detail", None)
    return {"severity": getattr(failure, "severity", None), "check": getattr(failure, "check", None),
            "unit": plain(getattr(failure, "unit", None)), "page": plain(getattr(failure, "page", None)),
            "label": plain(getattr(failure, "label", None)), "expected": show(getattr(failure, "expected", None)),
            "found": show(getattr(failure, "found", None)) + (f" ({detail})" if detail else "")}


def _failure_text(failure: Any) -> str:
    line = getattr(failure, "line", None)
    return " ".join(line().split()) if callable(line) else str(failure)


@dataclass
class IngestionRecord:
    """One row of the `ingestions` log."""

    file_name: str
    sha256: str | None
    started_at: datetime
    status: str = ERROR
    report_year: int | None = None
    finished_at: datetime | None = None
    validation: dict[str, Any] | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    unmapped_labels: int | None = None
    extract_cached: bool | None = None
    message: str | None = None
    ingestion_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    organization_id: str | None = None
    organization: str | None = None

    def as_row(self) -> dict[str, Any]:
        row = {
            "ingestion_id": self.ingestion_id, "file_name": self.file_name, "sha256": self.sha256,
            "organization_id": self.organization_id, "organization": self.organization,
            "report_year": self.report_year, "started_at": self.started_at,
            "finished_at": self.finished_at or utcnow(), "status": self.status,
            "validation_passed": (self.validation or {}).get("passed"),
            "critical_failures": (self.validation or {}).get("critical_failures"),
            "validation_summary": None if self.validation is None else json.dumps(
                self.validation, ensure_ascii=False, default=str),
            "unmapped_labels": self.unmapped_labels, "extract_cached": self.extract_cached,
            "message": self.message,
        }
        row.update({f"rows_{name}": count for name, count in self.row_counts.items()})
        return row


@dataclass
class IngestOutcome:
    """What `flows.ingest.run_ingest` and the flows return for one report."""

    status: str                      # 'loaded' | 'failed_validation' | 'error'
    source: str                      # the PDF path as given
    file_name: str
    sha256: str | None = None
    report_year: int | None = None
    row_counts: dict[str, int] = field(default_factory=dict)   # rows of this report per table
    unmapped_labels: list[str] = field(default_factory=list)
    validation: dict[str, Any] | None = None                   # summarize_validation()
    validation_text: str | None = None                         # ValidationReport.render_text()
    cache_hit: bool = False                                    # extraction answered from cache
    targets: dict[str, str] = field(default_factory=dict)      # {'duckdb': path, 'postgres': 'loaded' | error}
    exports: dict[str, str] = field(default_factory=dict)      # {'parquet': dir, 'csv': dir}
    warnings: list[str] = field(default_factory=list)
    message: str | None = None                                 # one line, set when status == 'error'
    ingestion_id: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    environment: bool = False        # an 'error' that is the machine's fault (lock, disk, Prefect API)
    organization_id: str | None = None                         # the association (pipeline.model.organization)
    organization: str | None = None                            # its name as printed (or given)
    coverage: dict[str, int] = field(default_factory=dict)     # figures mapped / unit_specific / unmapped / total
    notes: list[str] = field(default_factory=list)             # one line each: e.g. the warehouse was migrated
    alias_proposals: list[str] = field(default_factory=list)   # new units that may be earlier ones: to confirm

    @property
    def report(self) -> str:
        """'report year 2022 of lahden-ensi-ja-turvakoti-ry': how a line names this report's year."""
        year = self.report_year if self.report_year is not None else "?"
        return f"report year {year}" + (f" of {self.organization_id}" if self.organization_id else "")

    @property
    def ok(self) -> bool:
        return self.status == LOADED

    @property
    def exit_code(self) -> int:
        """0 loaded, 1 failed validation, 3 an environment error, 2 any other error (bad input)."""
        if self.status == ERROR and self.environment:
            return EXIT_ENVIRONMENT
        return {LOADED: EXIT_OK, FAILED_VALIDATION: EXIT_VALIDATION_FAILED}.get(self.status, EXIT_BAD_INPUT)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self, max_labels: int | None = 12) -> str:
        """A few lines for a terminal: what happened, where, and what needs a look.

        `max_labels` unmapped labels are named (None: all; 0: only their count).
        """
        lines: list[str]
        if self.status == LOADED:
            where = ", ".join(f"{k} {v}" for k, v in self.targets.items())
            lines = [f"loaded {self.report} from {self.file_name} into {where}"]
            lines.append("  rows: " + ", ".join(f"{k} {v}" for k, v in self.row_counts.items()))
        elif self.status == FAILED_VALIDATION:
            lines = [self.refusal_line()]
        else:
            lines = [f"error: {self.file_name}: {self.message or 'unknown error'}"]
            for target, state in self.targets.items():
                lines.append(f"  {target}: {state}")
        for fmt, path in self.exports.items():
            lines.append(f"  {fmt} export: {path}")
        lines += [f"  note: {n}" for n in self.notes]
        if self.coverage:
            from pipeline.model.derive import coverage_line

            lines.append("  " + coverage_line(self.coverage))
        if self.unmapped_labels:
            lines.append(unmapped_line(self.unmapped_labels, max_labels))
        if self.cache_hit:
            lines.append("  extraction: reused from cache (same file)")
        lines += [f"  {p}" for p in self.alias_proposals]
        lines += [f"  warning: {w}" for w in self.all_warnings()]
        return "\n".join(lines)

    def refusal_line(self) -> str:
        """A report not loaded, as one line for stderr: why (the shrink guard's reason, each critical check,
        or the error), and that nothing changed."""
        validation = self.validation or {}
        if self.status == FAILED_VALIDATION and validation.get("passed") and self.message:  # the shrink guard
            line = f"NOT loaded: {self.file_name}: {self.message}"
        elif self.status == FAILED_VALIDATION:
            n = validation.get("critical_failures", "?")
            critical = [" ".join(text.split()[1:]) for text in validation.get("failures", [])
                        if text.startswith("CRITICAL")][:10]
            line = (f"NOT loaded: {self.file_name} ({self.report}) failed {n} critical check(s)"
                    + (": " + "; ".join(critical) if critical else "") + "; the warehouse is unchanged")
        else:
            line = f"error: {self.file_name}: {self.message or 'unknown error'}"
        return " ".join(line.split())

    def all_warnings(self) -> list[str]:
        """Extraction and ingest warnings, then validation warnings (year over year included), one line each."""
        return list(self.warnings) + list((self.validation or {}).get("warning_lines", []))


def unmapped_line(labels: list[str], max_labels: int | None) -> str:
    """'labels with no metric in metrics.csv (N): a, b, ... k more', or only the count when max_labels is 0."""
    head = f"  labels with no metric in metrics.csv ({len(labels)})"
    if max_labels == 0:
        return head + " (they stay in the figures table; --show-unmapped lists them)"
    shown = labels if max_labels is None else labels[:max_labels]
    more = len(labels) - len(shown)
    return head + ": " + ", ".join(shown) + (f", ... {more} more" if more > 0 else "")
