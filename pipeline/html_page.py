"""The one HTML page shell every page the pipeline writes is built in (trend page, validation report).

Why one: each page must open on a machine with no network, so the shell is self-contained
(inline CSS, no script, no link, nothing fetched), and every text that came from a PDF is
escaped on its way in. Written once here, below every stage, so `pipeline/validate` and
`pipeline/present` share it without importing each other. Pages add their own rules to
`BASE_STYLE` and build their body from `table` and `cell`.
"""

from __future__ import annotations

from html import escape
from typing import Iterable

BASE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d232a}
h1{font-size:1.5rem;margin-bottom:.25rem}
.muted{color:#57606a}
table{border-collapse:collapse}
th,td{border:1px solid #d0d7de;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;white-space:nowrap}
.status{font-weight:600}.status.passed{color:#1a7f37}.status.failed{color:#cf222e}.status.warning{color:#9a6700}
"""


def cell(text: str | None, cls: str | None = None) -> str:
    """A table cell holding `text` (already shown as the page wants it), escaped; None is empty."""
    shown = "" if text is None else escape(text)
    return f'<td class="{escape(cls)}">{shown}</td>' if cls else f"<td>{shown}</td>"


def table(headers: Iterable[str], rows: Iterable[str]) -> str:
    """A table with escaped `headers` over `rows` (each a `<tr>` built from `cell`s)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def page(title: str, body: str, style: str = "") -> str:
    """The whole page: `title` (escaped) as its title and heading, then `body` (HTML the caller built).

    Nothing in the shell refers to another file or host; `style` is added after `BASE_STYLE`,
    so a page's own rules win.
    """
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{BASE_STYLE}{style}</style></head>
<body>
<h1>{escape(title)}</h1>
{body}
</body></html>
"""
