"""Hostile input through the real command line: bounded memory and time, one line, the right exit code.

Each hostile PDF (tests/hostile_pdfs.py) runs `etk-report extract` in its own child process;
the child's peak memory is its VmHWM (peak RSS) reported at its exit, and a child still running
after its budget is killed and fails the test (a hang guard, not a speed assertion).
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hostile_pdfs import BOMB_CASES, bomb_matrix_report, bomb_report, long_line_report, many_objects_report
from pdf_factory import Figure, Heading, Page, Statistics, cover, euro, write_report

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "toimintakertomus-2022.pdf"
MB = 1024 * 1024


# The child reports its own peak RSS (VmHWM) at exit. Why not `wait4`'s ru_maxrss: on Linux it also
# counts the pages the child shared with this (large) pytest process between fork and exec.
_MEASURED = """
import sys
from etk_report.cli import main
try:
    code = main(sys.argv[2:])
finally:  # the peak is read here, not at exit: the console entry ends the process without atexit's order
    with open(sys.argv[1], "w") as fh:
        fh.write(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")))
sys.exit(code)
"""


def run_bounded(args: list[str], budget_s: float) -> tuple[int, str, str, int]:
    """(exit code, stdout, stderr, peak RSS in bytes) of `python -m etk_report.cli ARGS`, killed past the budget."""
    import tempfile

    peak_file = Path(tempfile.mkstemp(prefix="etk-peak-")[1])
    proc = subprocess.Popen([sys.executable, "-c", _MEASURED, str(peak_file), *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            errors="replace")
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    import threading

    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for r in readers:
        r.start()
    deadline = time.monotonic() + budget_s
    while True:
        pid, status, _usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
            pytest.fail(f"etk-report {' '.join(args)} ran past its budget of {budget_s} s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join(10)
    peak_kb = int(peak_file.read_text())  # empty (ValueError) if the child never reported: a test failure
    peak_file.unlink()
    assert peak_kb > 10_000, f"implausible peak RSS {peak_kb} kB"  # an interpreter with pandas is far above
    return proc.returncode, "".join(out_chunks), "".join(err_chunks), peak_kb * 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return {"bomb": bomb_report(folder / "bomb.pdf", inflated_mb=1024),
            "long-line": long_line_report(folder / "long-line.pdf", length=60_000),
            "line-under-limit": long_line_report(folder / "line-under-limit.pdf", length=15_000),
            "many-objects": many_objects_report(folder / "many-objects.pdf", objects=200_000)}


@pytest.mark.parametrize("name", ["bomb", "many-objects", "long-line"])
def test_a_page_over_its_limit_is_skipped_and_named_within_bounded_memory(hostile, tmp_path, name):
    path = hostile[name]
    assert path.stat().st_size < 2 * MB  # small files: the cost is in what they inflate to
    code, out, err, peak = run_bounded(["extract", str(path), "--out", str(tmp_path / "out")], budget_s=60)
    assert "Traceback" not in out + err
    assert peak < 500 * MB, f"{name}: peak RSS {peak / MB:.0f} MB"
    # the report's only statistics page is over a limit: nothing to extract, and the line says which page
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "page 2: skipped" in err and str(path) in err, err


@pytest.mark.parametrize("case", BOMB_CASES)
def test_every_bomb_of_the_matrix_ends_in_bounded_memory_with_its_page_named(tmp_path, case):
    """About 1 GB behind a chain of 2-4 filters, in an object stream, nested or fanned-out forms, an inline
    image, a font program or a text map: measured before any reader decodes it, so the child's peak RSS
    stays under 300 MB. The time is printed (no timing assertion; the 60 s budget is a hang guard)."""
    path = bomb_matrix_report(tmp_path / f"{case}.pdf", case, inflated_mb=1024)
    assert path.stat().st_size < 64 * 1024  # a few KB that would inflate to a gigabyte
    started = time.monotonic()
    code, out, err, peak = run_bounded(["extract", str(path), "--out", str(tmp_path / "out")], budget_s=60)
    print(f"bomb {case}: exit {code}, peak RSS {peak / MB:.0f} MB, {time.monotonic() - started:.1f} s: {err.strip()}")
    assert "Traceback" not in out + err
    assert peak < 300 * MB, f"{case}: peak RSS {peak / MB:.0f} MB"
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    if case == "object-stream":  # read before any page exists: the file is refused, naming what
        assert "an object stream inflates to over" in err, err
    else:
        assert "page 2: skipped" in err and "over" in err, err


def test_each_filter_decodes_what_its_encoder_wrote_and_stops_at_the_budget():
    """The bounded decoder against the matrix's own encoders: same bytes back, and no more than the budget."""
    from hostile_pdfs import CHAINS, encode_chain
    from pipeline.extract.read.filters import decode_chain

    text = b"BT /F1 10 Tf (UUSI YKSIKKO / Toimintalukuja v. 2023) Tj ET\n" * 300
    for chain in [*CHAINS.values(), ["LZWDecode"], ["RunLengthDecode", "ASCII85Decode"], ["FlateDecode"] * 4]:
        decoded = decode_chain(encode_chain(text, chain), chain, budget=10 * len(text))
        assert decoded.data == text and not decoded.over and decoded.damaged is None, chain
        small = decode_chain(encode_chain(text, chain), chain, budget=1000)
        assert small.over and small.size == 1001 and small.data == text[:1000], chain
    cut = decode_chain(encode_chain(text, ["FlateDecode"])[:-20], ["FlateDecode"], budget=10 * len(text))
    assert cut.damaged and "cut short" in cut.damaged
    assert decode_chain(b"x", ["NoSuchDecode"], budget=100).damaged == "an unknown filter 'NoSuchDecode'"


def test_a_long_line_under_the_limit_is_read_in_bounded_time_and_memory(hostile, tmp_path):
    """15,000 '/' on one line: read (under the character limit), and the title pattern stays linear on it."""
    code, out, err, peak = run_bounded(["extract", str(hostile["line-under-limit"]), "--out", str(tmp_path / "o")],
                                       budget_s=60)
    assert "Traceback" not in out + err and all(line.startswith("warning:") for line in err.splitlines())
    assert peak < 500 * MB, f"peak RSS {peak / MB:.0f} MB"
    assert code == 0
    assert any(line.startswith("warning: page 2:") for line in err.splitlines()), err  # the loss is named


def test_a_page_over_its_limit_fails_validation_when_other_pages_are_fine(tmp_path, monkeypatch):
    """In-process with a tiny content limit: the skipped statistics page is a critical extraction issue."""
    from pdf_factory import small_report
    from pipeline.extract.report import extract_report
    from pipeline.validate.run import validate_extraction

    report = small_report(tmp_path / "r.pdf", year=2021)
    from pipeline.extract.read.limits import page_costs, ResourceLimits

    costs = page_costs(report, ResourceLimits())
    limit = (costs[1].content_bytes + costs[2].content_bytes) // 2  # between the two statistics pages
    monkeypatch.setenv("ETK_MAX_PAGE_CONTENT_BYTES", str(limit))
    extraction = extract_report(report)
    skipped = [i for i in extraction.issues if i.kind == "page_over_limit"]
    assert [i.severity for i in skipped] == ["critical"] and skipped[0].page in (2, 3)
    assert not validate_extraction(extraction).passed


def test_an_oversized_file_that_starts_as_the_sample_ends_at_once(tmp_path):
    sparse = tmp_path / "huge.pdf"
    with sparse.open("wb") as fh:
        fh.write(SAMPLE.read_bytes())
        fh.truncate(2 * 1024 * MB)  # 2 GB, sparse: no disk used
        fh.seek(2 * 1024 * MB - 6)
        fh.write(b"%%EOF\n")
    for command in (["extract", str(sparse), "--out", str(tmp_path / "o")], ["validate", str(sparse)],
                    ["ingest", str(sparse), "--warehouse", str(tmp_path / "w.duckdb")]):
        code, out, err, _ = run_bounded(command, budget_s=60)
        assert code == 2 and len(err.splitlines()) == 1 and "over the limit" in err, (command, err)


def test_a_sqlite_file_as_warehouse_is_bad_input_without_network(tmp_path):
    db = tmp_path / "not-duckdb.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    code, out, err, _ = run_bounded(["ingest", str(SAMPLE), "--warehouse", str(db)], budget_s=60)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert "not a DuckDB database file" in err and str(db) in err


def test_warehouse_connections_never_load_or_install_extensions(tmp_path):
    from pipeline.load.duckdb_store import connect

    with connect(tmp_path / "w.duckdb") as con:
        settings = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                    "('autoload_known_extensions', 'autoinstall_known_extensions')").fetchall())
    assert settings == {"autoload_known_extensions": "false", "autoinstall_known_extensions": "false"}


# --------------------------------------------------------------------------- CSV injection

FORMULAS = ['=HYPERLINK("http://x.fi")', "@SUM(A1:A9)", "+CMD|' /C x'!A0"]


def _formula_report(path: Path) -> Path:
    rows = (Figure("Asiakkaita yhteensä", "70", "hlö", bold=True),
            Figure(FORMULAS[0], "36", "hlö", level=1),
            Figure(FORMULAS[1], "34", "hlö", level=1),
            Heading("RAHOITUS"),
            Figure(FORMULAS[2], euro(1000.0), "€", level=1),
            Figure("Tuotot yhteensä", euro(1000.0), "€", level=1, bold=True))
    return write_report(path, [cover(2021), Page(Statistics("=KAAVAYKSIKKÖ", 2021, rows=rows))])


def test_formulas_in_labels_are_neutralised_in_every_csv_and_numbers_stay_numbers(tmp_path):
    from pipeline.extract.output.files import write_csvs
    from pipeline.extract.report import extract_report
    from pipeline.model.derive import build_tables
    from pipeline.load.export import export_year

    extraction = extract_report(_formula_report(tmp_path / "r.pdf"))
    assert set(FORMULAS) <= set(extraction.figures["label"])  # the extractor keeps the text as printed
    write_csvs(extraction, tmp_path / "extract")
    written = export_year(build_tables(extraction), tmp_path / "export", "csv")
    files = [tmp_path / "extract" / "figures.csv"] + [p for p in written if p.stat().st_size]
    cells = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            cells += [cell for row in csv.reader(fh) for cell in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]
    assert {"'" + f for f in FORMULAS} <= set(cells)
    assert "'=KAAVAYKSIKKÖ" in cells
    figures = pd.read_csv(tmp_path / "extract" / "figures.csv")
    assert figures["value"].dtype == "float64" and 36.0 in set(figures["value"])


def test_a_page_over_its_time_budget_is_skipped_and_named(tmp_path, monkeypatch):
    """ETK_PAGE_SECONDS configures the per-page budget; a page that runs past it is a critical issue."""
    from pdf_factory import small_report
    from pipeline.errors import NotAReport
    from pipeline.extract.report import extract_report

    report = small_report(tmp_path / "r.pdf", year=2021)
    monkeypatch.setenv("ETK_PAGE_SECONDS", "0.000001")  # no page can be laid out this fast
    with pytest.raises(NotAReport) as raised:
        extract_report(report)
    message = str(raised.value)
    assert "\n" not in message and "page 2: skipped: its layout work ran over the time budget" in message
    assert "ETK_PAGE_SECONDS" in message
    monkeypatch.setenv("ETK_PAGE_SECONDS", "30")
    assert not [i for i in extract_report(report).issues if i.kind == "page_over_limit"]
