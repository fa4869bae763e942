"""One page shell (`pipeline/html_page.py`) for the trend page and the validation report.

Both pages must open offline: the shell is written once, escapes what it is given, and both
renderers build on it (so a fix to the shell, or its style, reaches both).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from pipeline.html_page import BASE_STYLE, cell, page, table
from pipeline.present.page import render as render_trend_page
from pipeline.validate.html import render_html
from pipeline.validate.report import WARNED, CheckStatus, ValidationReport

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<script src="http://evil.example/x.js"></script>"&\''


class _Outline(HTMLParser):
    """Tags, references (src/href) and the text of title and h1."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.references: list[str] = []
        self.title = self.heading = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.references += [v or "" for k, v in attrs if k in ("src", "href") or k.endswith(":href")]
        self._in = tag if tag in ("title", "h1") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.heading += data


def _outline(text: str) -> _Outline:
    parsed = _Outline()
    parsed.feed(text)
    return parsed


def test_the_shell_escapes_its_title_and_refers_to_nothing_outside() -> None:
    text = page(HOSTILE, "<p>body</p>", "p{color:red}")
    parsed = _outline(text)
    assert text.startswith("<!DOCTYPE html>\n") and text.count("<html") == 1
    assert parsed.title == parsed.heading == HOSTILE  # shown as text, not markup
    assert "script" not in parsed.tags and parsed.references == []
    assert parsed.tags[:6] == ["html", "head", "meta", "meta", "title", "style"]
    assert text.index(BASE_STYLE) < text.index("p{color:red}") < text.index("<p>body</p>")  # the page's rules win


def test_cells_and_tables_escape_what_came_from_a_pdf() -> None:
    row = "<tr>" + cell(HOSTILE) + cell(None, "num") + cell("1 234,50 €", "num") + "</tr>"
    text = table(["label <b>", "value"], [row])
    parsed = _outline(text)
    assert parsed.tags == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td", "td"]
    assert parsed.references == [] and "&lt;script" in text and "label &lt;b&gt;" in text
    assert '<td class="num"></td>' in text and '<td class="num">1 234,50 €</td>' in text


def test_both_pages_are_built_in_the_one_shell() -> None:
    report = ValidationReport(passed=True, failures=[], checks_run=1, tables=1, not_applicable=[],
                              checks=[CheckStatus("t", "c", "warning", "purpose <x>", WARNED, 1)])
    pages = {"validation": render_html(report, HOSTILE),
             "trend": render_trend_page([], Path("/tmp/<wh>.duckdb"), HOSTILE)}
    heads = set()
    for name, text in pages.items():
        parsed = _outline(text)
        assert parsed.title == parsed.heading == HOSTILE, name
        assert BASE_STYLE in text and "script" not in parsed.tags and parsed.references == [], name
        heads.add(text[: text.index("<style>")])
    assert len(heads) == 1  # the same doctype, head and title, from `page`
    assert "purpose &lt;x&gt;" in pages["validation"] and "/tmp/&lt;wh&gt;.duckdb" in pages["trend"]


def test_the_shell_sits_below_every_stage() -> None:
    """`pipeline/validate` must not import `pipeline/present`; both import the shell, which imports no stage."""
    tree = ast.parse((ROOT / "pipeline" / "html_page.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not {m for m in imported if m.startswith("pipeline")}, imported
    for module in ("validate/html.py", "present/page.py"):
        source = (ROOT / "pipeline" / module).read_text(encoding="utf-8")
        assert "from pipeline.html_page import" in source and "<!DOCTYPE" not in source, module
    assert not re.search(r"^from pipeline\.present|^import pipeline\.present",
                         (ROOT / "pipeline" / "validate" / "html.py").read_text(encoding="utf-8"), re.M)
