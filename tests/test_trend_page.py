"""The trend page and the readable Prefect artifacts, on a warehouse of three years loaded by the real flow.

Three reports drawn by tests/pdf_factory.py (`trend_report`: two units whose figures move
year by year), TURVAKOTI's `Henkilökunta` left unprinted in the middle year, each ingested
by `ingest_report` (real extractor, real GX, real DuckDB, real Prefect runs); the third with
`report_html`. The page is parsed with the standard library's HTMLParser and rendered once
in headless Chromium where one is installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT
from etk_report.cli import main
from flows.ingest import ingest_report
from pdf_factory import trend_report
from pipeline.ingest.record import IngestionRecord, file_sha256, utcnow
from pipeline.load.duckdb_store import record_ingestion
from pipeline.present import finnish
from pipeline.present.artifacts import unit_summary_rows, validation_markdown
from pipeline.present.query import key_metrics

pytestmark = pytest.mark.usefixtures("prefect_harness")

NB = "\u00a0"
YEARS = (2021, 2022, 2023)
GAP = ("TURVAKOTI", "Henkilökunta")  # not printed in 2022
RESULTS = {2021: -50_000.00, 2022: 20_000.00, 2023: -10_000.00}
# what each unit prints (pdf_factory.trend_report): TURVAKOTI has no care days
PRINTED = {"ENSIKOTI": {"clients_total", "care_days", "occupancy_pct", "staff", "total_income_eur"},
           "TURVAKOTI": {"clients_total", "occupancy_pct", "staff", "total_income_eur"}}


@pytest.fixture(scope="module")
def three_years(tmp_path_factory):
    """(warehouse, pdfs, the third ingest's flow-run state, the page that ingest wrote)."""
    root = tmp_path_factory.mktemp("three-years")
    warehouse, cache = root / "etk.duckdb", root / "cache"
    pdfs, state = [], None
    for step, year in enumerate(YEARS):
        omit = (GAP,) if year == 2022 else ()
        pdf = trend_report(root / f"toimintakertomus-{year}.pdf", year, step, omit, RESULTS[year])
        pdfs.append(pdf)
        html = root / "from-ingest.html" if year == YEARS[-1] else None
        state = ingest_report(pdf, warehouse=warehouse, cache_dir=cache, report_html=html, return_state=True)
        outcome = state.result()
        assert outcome.status == "loaded", outcome.summary()
    return warehouse, pdfs, state, root / "from-ingest.html"


@pytest.fixture(scope="module")
def page(three_years, tmp_path_factory):
    """The page written by `etk-report report`, parsed: (path, text, Page)."""
    warehouse = three_years[0]
    path = tmp_path_factory.mktemp("page") / "trend.html"
    assert main(["report", "--warehouse", str(warehouse), "--html", str(path), "-q"]) == 0
    text = path.read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(text)
    return path, text, parsed


class Page(HTMLParser):
    """Charts (figure.chart with their svg's title, desc, texts and series paths), references, elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charts: list[dict] = []
        self.references: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._chart: dict | None = None
        self._field: str | None = None
        self._in_series = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        for name, value in attrs.items():
            if name in ("src", "href", "xlink:href") or name.endswith(":href"):
                self.references.append((tag, name, value or ""))
        if tag == "figure" and "chart" in (attrs.get("class") or ""):
            self._chart = {"attrs": attrs, "title": "", "desc": "", "texts": [], "paths": [], "svg": 0, "caption": ""}
            self.charts.append(self._chart)
        if self._chart is None:
            return
        if tag == "svg":
            self._chart["svg"] += 1
        elif tag in ("title", "desc", "text", "figcaption"):
            self._field = tag
        elif tag == "g" and re.search(r"-series(-\d+)?$", attrs.get("id") or ""):
            self._in_series = 1
        elif tag == "g" and self._in_series:
            self._in_series += 1
        elif tag == "path" and self._in_series and "id" not in attrs:  # not a marker's definition
            self._chart["paths"].append(attrs.get("d") or "")

    def handle_endtag(self, tag):
        if tag == "figure":
            self._chart = None
        if tag == "g" and self._in_series:
            self._in_series -= 1
        if tag in ("title", "desc", "text", "figcaption"):
            self._field = None

    def handle_data(self, data):
        self.text.append(data)
        if self._chart is None or self._field is None:
            return
        if self._field == "text":
            self._chart["texts"].append(data)
        elif self._field == "figcaption":
            self._chart["caption"] += data
        else:
            self._chart[self._field] += data

    def chart(self, unit: str, title: str) -> dict:
        found = [c for c in self.charts if c["attrs"]["data-subject"] == unit and c["attrs"]["data-title"] == title]
        assert len(found) == 1, (unit, title, [c["attrs"] for c in self.charts])
        return found[0]


def _result_chart(parsed: Page) -> dict:
    """The one chart of the association's result across years (its subject is the association)."""
    found = [c for c in parsed.charts if c["attrs"]["data-title"] == "Result for the year"]
    assert len(found) == 1, [c["attrs"] for c in parsed.charts]
    assert found[0]["attrs"]["data-subject"] not in PRINTED  # the association, not a unit
    return found[0]


def _artifact(artifacts: dict, kind: str, year: int):
    """The artifact of `kind` for `year`: keys are etk-<kind>-<organization_id>-<year>."""
    found = [a for key, a in artifacts.items() if key.startswith(f"etk-{kind}-") and key.endswith(f"-{year}")]
    assert len(found) == 1, sorted(artifacts)
    return found[0]


def _titles() -> dict[str, str]:
    return {k.metric: k.title for k in key_metrics()}


def test_every_key_metric_of_the_page_is_defined_in_metrics_csv():
    """A key metric metrics.csv does not define would never be drawn, and nobody would be told
    (`groups` was listed so, though the sample prints no number of groups: it is gone)."""
    from pipeline.data import load_json
    from pipeline.model.metrics import metric_names

    listed = [m["metric"] for m in load_json("trend_page.json")["key_metrics"]]
    assert len(listed) == len(set(listed)) >= 5
    assert [m for m in listed if m not in metric_names()] == []
    assert [k.metric for k in key_metrics()] == listed


def test_one_chart_per_unit_and_metric_that_has_data(page, three_years):
    _, _, parsed = page
    titles = _titles()
    drawn = {(c["attrs"]["data-subject"], c["attrs"]["data-title"]) for c in parsed.charts}
    expected = {(unit, titles[m]) for unit, metrics in PRINTED.items() for m in metrics}
    result = _result_chart(parsed)
    assert drawn - {(result["attrs"]["data-subject"], "Result for the year")} == expected
    assert len(parsed.charts) == len(expected) + 1  # and the result across years
    # the same from the warehouse: a (unit, key metric) with any value has exactly one chart
    with duckdb.connect(str(three_years[0]), read_only=True) as con:
        for metric, title in titles.items():
            columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_name = 'unit_summary'").fetchall()}
            if metric not in columns:
                continue
            for unit, printed in con.execute(f"SELECT unit, count({metric}) FROM unit_summary GROUP BY unit").fetchall():
                assert ((unit, title) in drawn) == (printed > 0), (unit, metric)


def test_every_chart_has_a_title_axis_labels_and_a_description(page):
    _, _, parsed = page
    for chart in parsed.charts:
        assert chart["svg"] == 1
        subject, title = chart["attrs"]["data-subject"], chart["attrs"]["data-title"]
        assert chart["title"] == f"{title}: {subject}"
        assert chart["desc"].startswith(f"{title} of {subject} by report year.")
        assert all(f"{year}: " in chart["desc"] for year in YEARS)
        texts = [t.strip() for t in chart["texts"]]
        assert title in texts and "report year" in texts  # chart title and x axis label as text
        assert any("(" in t and ")" in t for t in texts), texts  # the y axis label names its unit
        assert {str(y) for y in YEARS} <= set(texts)


def test_numbers_are_in_finnish_style(page):
    _, text, parsed = page
    ensikoti_income = parsed.chart("ENSIKOTI", "Total income")
    assert f"2021: 1{NB}000{NB}000,00{NB}€" in ensikoti_income["caption"]
    assert f"2022: 1{NB}026{NB}234,56{NB}€" in ensikoti_income["caption"]
    assert f"2023: 73,0{NB}%" not in text and f"2023: 76,5{NB}%" in parsed.chart("ENSIKOTI", "Occupancy")["caption"]
    assert f"2022: 5{NB}250" in parsed.chart("ENSIKOTI", "Care days")["caption"]
    assert f"{finnish.MINUS}50{NB}000,00{NB}€" in text  # the 2021 result, negative
    assert f"3{NB}000{NB}000,00{NB}€" in text            # the latest finance summary's income
    assert not re.search(r"\d,\d{3}\.\d{2}", text) and "1000000" not in text  # no English-style amounts
    assert finnish.euro(1028323.76) == f"1{NB}028{NB}323,76{NB}€" and finnish.percent(77.78) == f"77,8{NB}%"


def test_the_page_refers_to_nothing_outside_itself(page):
    _, text, parsed = page
    assert not {"script", "link", "img", "iframe", "object", "embed"} & parsed.tags
    assert parsed.references, "the charts' markers are internal references"
    for tag, name, value in parsed.references:
        assert "http" not in value and "//" not in value, (tag, name, value)
        assert value.startswith("#"), (tag, name, value)
    assert "@import" not in text and "url(http" not in text and "url(//" not in text
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids)), "ids are unique across the inline SVGs"


def _segments(paths: list[str]) -> tuple[int, int]:
    """(moves, lines) of a series' path: a break in the line is a second move."""
    d = " ".join(paths)
    return len(re.findall(r"\bM\b", d)), len(re.findall(r"\bL\b", d))


def test_a_year_not_printed_is_a_gap_not_a_zero(page):
    _, _, parsed = page
    gap = parsed.chart("TURVAKOTI", "Staff")
    assert gap["attrs"]["data-missing-years"] == "2022"
    assert "2022: not printed" in gap["desc"] and "2022: not printed" in gap["caption"]
    assert "not printed" in [t.strip() for t in gap["texts"]]
    assert _segments(gap["paths"]) == (2, 0), gap["paths"]  # two lone points, no line across 2022
    whole = parsed.chart("TURVAKOTI", "Clients")
    assert whole["attrs"]["data-missing-years"] == "" and _segments(whole["paths"]) == (1, 2)


def test_finance_validation_and_lineage_sections(page, three_years):
    _, text, parsed = page
    _, pdfs, _, _ = three_years
    flat = " ".join(" ".join(parsed.text).split())
    assert "Finance summary 2023" in flat and "Tilikauden alijäämä" in flat
    result = _result_chart(parsed)
    assert result["attrs"]["data-missing-years"] == "" and len(result["paths"]) == 3  # one bar per year
    for pdf in pdfs:
        assert file_sha256(pdf) in text and pdf.name in text
    assert flat.count("validation passed") == 3
    assert "text layer" in flat  # extraction source per year
    assert flat.count("No restatement") == 3  # the view exists; these reports print no other-year value


def test_the_ingest_wrote_the_page_and_readable_artifacts(three_years):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    _, _, state, html = three_years
    outcome = state.result()
    assert html.is_file() and outcome.exports["trend page"] == str(html.resolve())
    run_id = state.state_details.flow_run_id
    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        artifacts = {a.key: a for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))}
        messages: list[str] = []
        for _ in range(20):  # logs arrive in batches; wait for them, assert nothing about time
            messages = [log.message for log in client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))]
            if any(m.startswith("report done") for m in messages):
                break
            time.sleep(0.5)
    link = artifacts["etk-trend-page"]
    assert link.data == f"[Trend page (from-ingest.html)]({html.resolve().as_uri()})"  # Prefect stores links as markdown
    validation = _artifact(artifacts, "validation", 2023).data
    # a consistent report: no failure row (the table itself is checked with failures in the test below)
    assert "```" not in validation and "No check failed." in validation and "critical failures: 0" in validation
    summary = _artifact(artifacts, "unit-summary", 2023)
    rows = json.loads(summary.data)
    assert summary.type == "table" and [list(r) for r in rows] == [["unit", "clients", "care days", "occup.", "staff",
                                                                     "income"]] * 2
    assert rows[0]["unit"] == "ENSIKOTI" and rows[0]["income"] == f"1{NB}052{NB}469,12{NB}€"
    assert rows[1]["care days"] == finnish.DASH  # TURVAKOTI prints none
    for stage in ("extract ...", "validate done", "load done", "artifacts done", "report done"):
        assert any(m.startswith(stage) for m in messages), (stage, messages)


def test_artifact_content_is_narrow_and_tabular():
    import pandas as pd

    frame = pd.DataFrame({"report_year": [2022, 2022], "unit": ["A | B", "C"], "page": [3, 4],
                          "clients_total": [82, None], "care_days": [5000, None], "occupancy_pct": [77.78, None],
                          "adults": [40, 2], "total_income_eur": [1028323.76, None]})
    rows = unit_summary_rows(frame)
    assert list(rows[0]) == ["unit", "clients", "care days", "occup.", "income"]  # staff: no unit prints it
    assert rows[0]["income"] == f"1{NB}028{NB}323,76{NB}€" and rows[0]["occup."] == f"77,8{NB}%"
    assert rows[1]["clients"] == finnish.DASH
    validation = {"passed": False, "critical_failures": 1, "warnings": 0, "checks_run": 9,
                  "failure_rows": [{"severity": "critical", "check": "sum", "unit": "A | B", "page": 3,
                                    "label": "Tuotot", "expected": "10", "found": "9\nmore"}]}
    text = validation_markdown("r.pdf", 2022, "failed_validation", validation)
    assert "| **critical** | sum | A \\| B · Tuotot | 3 | 10 | 9 more |" in text
    assert "No check failed." in validation_markdown("r.pdf", 2022, "loaded", {"passed": True, "failure_rows": []})


def test_report_command_exit_codes(three_years, tmp_path, capsys):
    warehouse = three_years[0]
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb"), "--html", str(tmp_path / "a.html")]) == 2
    assert main(["report", "--warehouse", str(warehouse), "--organization", "x", "--html",
                 str(tmp_path / "b.html")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no such warehouse" in err[0] and "--organization x" in err[1]
    assert not (tmp_path / "a.html").exists()
    empty = tmp_path / "empty.duckdb"  # a warehouse whose only attempt loaded nothing
    record_ingestion(empty, IngestionRecord(file_name="x.pdf", sha256=None, started_at=utcnow(), status="error"))
    assert main(["report", "--warehouse", str(empty), "--html", str(tmp_path / "c.html")]) == 2
    assert "no report loaded yet" in capsys.readouterr().err


def test_a_locked_warehouse_is_exit_3(three_years, tmp_path, capsys):
    """Another process holds the warehouse for writing: one line naming it, exit 3."""
    locked = tmp_path / "locked.duckdb"
    shutil.copy(three_years[0], locked)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(120)", str(locked)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["report", "--warehouse", str(locked), "--html", str(tmp_path / "l.html")]) == 3
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is locked" in err[0]


def test_without_matplotlib_report_exits_3_with_one_line_and_nothing_else_imports_it(three_years, tmp_path):
    blocked = ("import sys; sys.modules['matplotlib'] = None; from etk_report.cli import main; "
               f"sys.exit(main(['report', '--warehouse', {str(three_years[0])!r}, '--html', {str(tmp_path / 'x.html')!r}]))")
    run = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 3 and run.stdout == ""
    assert run.stderr.strip().splitlines() == [
        "etk-report: the trend page needs matplotlib: pip install -e '.[report]' (or pip install 'matplotlib>=3.8')"]
    imports = ("import sys, etk_report.cli, flows.ingest, pipeline.present.query, pipeline.present.artifacts, "
               "pipeline.present.trend, pipeline.ingest.outcome; "
               "print('matplotlib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", imports], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "False", run.stderr


def _with_organizations(source: Path, target: Path) -> str:
    """A copy of the warehouse holding a second association, `ensi-b`: the same rows for 2022 and 2023,
    and a 2023 report of it that printed ENSIKOTI's 2022 clients as 2 more than loaded (a restatement).
    Returns the first association's id."""
    shutil.copy(source, target)
    with duckdb.connect(str(target)) as con:
        (first,) = con.execute("SELECT DISTINCT organization_id FROM unit_summary").fetchone()
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'organization_id' "
            "AND table_schema = 'main' AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE')").fetchall()]
        for table in tables:
            columns = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_name = ?", [table]).fetchall()}
            new_id = ", ingestion_id || '-b' AS ingestion_id" if "ingestion_id" in columns else ""
            con.execute(f'INSERT INTO "{table}" SELECT * REPLACE (\'ensi-b\' AS organization_id{new_id}) '
                        f'FROM "{table}" WHERE organization_id = ? AND (report_year IS NULL OR report_year <> 2021)',
                        [first])
        con.execute("INSERT INTO other_year_figures SELECT * REPLACE (2023 AS report_year, value + 2 AS value) "
                    "FROM figures WHERE organization_id = 'ensi-b' AND report_year = 2022 AND unit = 'ENSIKOTI' "
                    "AND label = 'Asiakkaita yhteensä'")
    return first


def test_one_section_per_organization_and_restatements_where_the_view_exists(three_years, tmp_path):
    keyed = tmp_path / "keyed.duckdb"
    first = _with_organizations(three_years[0], keyed)
    both, only_b = tmp_path / "both.html", tmp_path / "b.html"
    assert main(["report", "--warehouse", str(keyed), "--html", str(both), "-q"]) == 0
    assert main(["report", "--warehouse", str(keyed), "--organization", "ensi-b", "--html", str(only_b), "-q"]) == 0
    assert main(["report", "--warehouse", str(keyed), "--organization", "nobody", "--html", str(tmp_path / "n.html")]) == 2
    text = both.read_text(encoding="utf-8")
    assert re.findall(r'<section class="association" data-organization="([^"]*)"', text) == sorted(["ensi-b", first])
    b = only_b.read_text(encoding="utf-8")
    assert re.findall(r'data-organization="([^"]*)"', b) == ["ensi-b"]
    parsed = Page()
    parsed.feed(b)
    assert len(parsed.charts) == 10  # its own years only: ensi-b loaded 2022 and 2023
    assert all("2022: " in c["desc"] and "2021: " not in c["desc"] for c in parsed.charts)
    assert parsed.chart("TURVAKOTI", "Staff")["attrs"]["data-missing-years"] == "2022"
    assert "Restatements" in b and "printed_value" in b and "no restatements view" not in b


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_the_page_renders_in_headless_chromium(page, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; CI's .ci/run installs it)")
    path, _, _ = page
    shot = tmp_path / "page.png"
    run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,2000",
                          path.resolve().as_uri()], capture_output=True, text=True, timeout=180,
                         env={**os.environ, "HOME": str(tmp_path)})
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        pixels = image.convert("RGB")
        assert pixels.size == (1200, 2000)
        colours = pixels.getcolors(maxcolors=1 << 20) or []
        not_white = sum(n for n, rgb in colours if rgb != (255, 255, 255))
        assert len(colours) > 50, "a blank page has a handful of colours"
        assert not_white > 0.02 * 1200 * 2000, "text and charts cover more than 2 % of the page"
        # the charts' blue line is drawn (the text alone is grey and black)
        assert any(n > 50 and rgb[2] > 150 and rgb[0] < 80 for n, rgb in colours)


def test_only_the_chart_step_imports_matplotlib():
    """The quick start needs no matplotlib: one module of the library imports it, inside its functions."""
    import ast

    importers = []
    for folder in ("pipeline", "flows", "etk_report"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n.split(".")[0] == "matplotlib" for n in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert sorted(set(importers)) == ["pipeline/present/charts.py"]
    tree = ast.parse((ROOT / "pipeline/present/charts.py").read_text(encoding="utf-8"))
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) and "matplotlib" in ast.dump(n) for n in tree.body)
