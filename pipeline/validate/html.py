"""An offline validation report: one self-contained HTML page (inline styles, no script, no CDN).

Why not only GX Data Docs: they load their styles and results table from a CDN, so offline
they show an unstyled page with no results, and they show a warning-only suite as "Failed".
Here each check has its purpose and a status (passed, failed, warning, not applicable), each
failure its unit, page, label, expected and found; a run whose only failures are warnings
reads as passed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from pipeline.html_page import cell, page, table
from pipeline.validate.report import FAILED, NOT_APPLICABLE, PASSED, WARNED, ValidationReport, show

STATUS_TEXT = {PASSED: "passed", FAILED: "failed", WARNED: "warning", NOT_APPLICABLE: "not applicable"}
_STATUS_ORDER = {FAILED: 0, WARNED: 1, NOT_APPLICABLE: 2, PASSED: 3}

_STYLE = """
body{margin:2rem;max-width:80rem}h2{font-size:1.15rem;margin-top:2rem}
.verdict{display:inline-block;padding:.35rem .8rem;border-radius:.3rem;font-weight:600;color:#fff}
.verdict.passed{background:#1a7f37}.verdict.failed{background:#cf222e}
table{width:100%;font-size:.9rem}th,td{padding:.3rem .5rem}
.status{white-space:nowrap}.status.not_applicable{color:#57606a}
td.note{min-width:14rem}
"""  # added to the shell's BASE_STYLE (pipeline/html_page.py)


def _cell(value: Any, cls: str | None = None) -> str:
    return cell(None if value is None else value if isinstance(value, str) else show(value), cls)


def _checks_section(report: ValidationReport) -> str:
    rows = []
    for c in sorted(report.checks, key=lambda c: (_STATUS_ORDER.get(c.status, 9), c.table, c.check)):
        note = c.reason or (f"{c.not_applicable} unit(s)/page(s) not applicable" if c.not_applicable else "")
        rows.append("<tr>" + _cell(c.check) + _cell(c.table) + _cell(c.severity)
                    + f'<td class="status {escape(c.status)}">{escape(STATUS_TEXT.get(c.status, c.status))}</td>'
                    + _cell(c.failures or "", "num") + _cell(c.purpose) + _cell(note, "muted note") + "</tr>")
    return table(("check", "table", "severity", "status", "failures", "purpose", "note"), rows)


def _failures_section(report: ValidationReport) -> str:
    if not report.failures:
        return '<p class="muted">No check failed.</p>'
    rows = []
    for f in report.failures:
        found = show(f.found) + (f" ({f.detail})" if f.detail else "")
        status = FAILED if f.severity == "critical" else WARNED
        rows.append("<tr>" + f'<td class="status {status}">{escape(f.severity)}</td>' + _cell(f.check)
                    + _cell(f.unit) + _cell(f.page, "num") + _cell(f.label) + _cell(f.expected)
                    + _cell(found) + "</tr>")
    return table(("severity", "check", "unit", "page", "label", "expected", "found"), rows)


def _not_applicable_section(report: ValidationReport) -> str:
    if not report.not_applicable:
        return '<p class="muted">Every check applied to this report.</p>'
    rows = ["<tr>" + _cell(n.check) + _cell(n.table) + _cell(n.unit) + _cell(n.page, "num") + _cell(n.reason)
            + "</tr>" for n in report.not_applicable]
    return table(("check", "table", "unit", "page", "why not applicable"), rows)


def render_html(report: ValidationReport, title: str = "Validation report") -> str:
    """The whole page as a string; nothing in it refers to another file or host."""
    verdict = "passed" if report.passed else "failed"
    verdict_text = ("PASSED: no critical check failed" + (" (warnings are reported only)" if report.warnings else "")
                    if report.passed else "FAILED: a critical check failed; loading is blocked")
    counts = (f"{len(report.critical)} critical failure(s), {len(report.warnings)} warning(s), "
              f"{len(report.not_applicable)} not applicable, {report.checks_run} expectations run on "
              f"{report.tables} tables")
    body = f"""<p><span class="verdict {verdict}">{escape(verdict_text)}</span></p>
<p class="muted">{escape(counts)}</p>
<h2>Checks</h2>
{_checks_section(report)}
<h2>Failures</h2>
{_failures_section(report)}
<h2>Not applicable</h2>
{_not_applicable_section(report)}"""
    return page(title, body, _STYLE)


def write_html(report: ValidationReport, path: Path, title: str = "Validation report") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(report, title), encoding="utf-8")
    return path
