"""`etk-report extract` must stay light: no Prefect, no Great Expectations.

Runs the real command on the sample report in a fresh interpreter (so nothing
imported by pytest or other tests leaks in) and lists what got imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "toimintakertomus-2022.pdf"
HEAVY = ("prefect", "great_expectations")

PROGRAM = """
import json, sys
import pipeline.cli, pipeline.extract, pipeline.outputs
from pipeline.cli import main
rc = main(["extract", sys.argv[1], "--out", sys.argv[2]])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("IMPORTS:" + json.dumps({{"rc": rc, "heavy": heavy}}))
""".format(heavy=HEAVY)


def test_extract_command_imports_neither_prefect_nor_great_expectations(tmp_path):
    out_dir = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", PROGRAM, str(SAMPLE), str(out_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    marker = [line for line in proc.stdout.splitlines() if line.startswith("IMPORTS:")]
    assert marker, proc.stdout + proc.stderr
    result = json.loads(marker[-1].removeprefix("IMPORTS:"))

    assert result["rc"] == 0, proc.stdout + proc.stderr
    assert (out_dir / "figures.csv").stat().st_size > 0  # the command really ran
    assert result["heavy"] == [], f"etk-report extract imported {result['heavy']}"
