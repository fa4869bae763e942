"""Bad input through the real command line: exit code 2 and one line on stderr, never a traceback.

Every case runs `python -m etk_report.cli extract FILE --out DIR` in a subprocess. The processes are
started together once per module (each pays the interpreter and pandas import) and then checked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


from pdf_factory import FinanceSummary, ImagePage, Narrative, Page, cover, euro, write_report  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "fixtures" / "toimintakertomus-2022.pdf"
SAMPLE_UNITS = ["ENSIKOTI", "BABY BLUES VAUVAPERHETYÖ", "PÄIVÄRYHMÄ PEUKALOINEN",
                "PIDÄ KIINNI AVOPALVELUYKSIKKÖ JANNIKA", "TURVAKOTI", "AGGREDI PÄIJÄT-HÄME",
                "ERO LAPSIPERHEESSÄ -TYÖ", "MIESKAVERITOIMINTA", "KOHTAAMISPAIKKA PERHETUPA"]


def make_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, words the error line must contain)."""
    folder.mkdir(parents=True, exist_ok=True)
    not_pdf = folder / "notes.pdf"
    not_pdf.write_text("Toimintakertomus v. 2022\nThis is a text file with a .pdf name.\n", encoding="utf-8")
    empty = folder / "empty.pdf"
    empty.write_bytes(b"")
    data = SAMPLE.read_bytes()
    truncated = folder / "truncated.pdf"
    truncated.write_bytes(data[: len(data) // 2])
    damaged = folder / "damaged.pdf"  # header and end marker, but the body is cut out
    damaged.write_bytes(data[:4096] + b"\n%%EOF\n")
    encrypted = write_report(folder / "encrypted.pdf", [cover(2023), Page(Narrative.filler(5))],
                             encrypt="salasana")
    # not an annual report: no report title, no statistics (an annual report without statistics is exit 0
    # with a critical issue: tests/test_layout_zoo_summary.py)
    no_stats = write_report(folder / "no-statistics.pdf", [
        cover(2023, title="MUISTIO"),
        Page(Narrative.filler(20, heading="1. Toiminta")),
        Page(Narrative.filler(5), FinanceSummary(2023, (("Kokonaistuotot", euro(1000.0)),))),
        ImagePage(),
    ])
    return {
        "missing": (folder / "does-not-exist.pdf", "not found"),
        "not-a-pdf": (not_pdf, "not a pdf"),
        "empty": (empty, "empty"),
        "truncated": (truncated, "truncated"),
        "damaged": (damaged, "damaged"),
        "encrypted": (encrypted, "encrypted"),
        "no-statistics": (no_stats, "no statistics pages"),
    }


def cli(report: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "etk_report.cli", "extract", str(report), "--out", str(out)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """name -> (input file, expected words, out dir, returncode, stdout, stderr), all run in parallel."""
    folder = tmp_path_factory.mktemp("bad-input")
    inputs = make_inputs(folder / "in")
    inputs["sample"] = (SAMPLE, "")
    started = {}
    for name, (path, words) in inputs.items():
        out = folder / "out" / name
        proc = subprocess.Popen(cli(path, out), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8")
        started[name] = (path, words, out, proc)
    results = {}
    for name, (path, words, out, proc) in started.items():
        stdout, stderr = proc.communicate(timeout=180)
        results[name] = (path, words, out, proc.returncode, stdout, stderr)
    return results


BAD = ["missing", "not-a-pdf", "empty", "truncated", "damaged", "encrypted", "no-statistics"]


@pytest.mark.parametrize("name", BAD)
def test_bad_input_ends_with_exit_2_and_one_line(runs, name):
    path, words, out, code, stdout, stderr = runs[name]
    assert "Traceback" not in stderr + stdout
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert str(path) in lines[0]
    assert words in lines[0].casefold(), lines[0]
    assert lines[0].count("(") == lines[0].count(")"), lines[0]
    assert stdout == ""
    assert not (out / "figures.csv").exists()


def test_sample_report_through_the_cli(runs):
    path, _, out, code, stdout, stderr = runs["sample"]
    assert code == 0, stderr
    assert "Traceback" not in stderr
    for name in ("figures.csv", "finance_summary.csv", "municipalities.csv"):
        assert (out / name).stat().st_size > 0
    summary = stdout.splitlines()
    assert "9 units" in summary[0] and "report year 2022" in summary[0]
    per_unit = [line.split(":")[0].split(None, 1)[1] for line in summary if line.startswith("  p.")]
    assert per_unit == SAMPLE_UNITS
    assert not any(line.startswith("warning:") for line in summary)  # warnings go to stderr ...
    assert any("page 41" in line for line in stderr.splitlines() if line.startswith("warning:"))  # ... named
