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
import etk_report.cli, pipeline.extract.report, pipeline.extract.output.files
from etk_report.cli import main
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


def test_the_library_imports_neither_the_flows_nor_the_command_line():
    """`pipeline/` is the library: orchestration (`flows`) and the CLI (`etk_report`) sit above it."""
    import ast

    offenders = []
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names
                          if n.split(".")[0] in {"flows", "etk_report", "prefect"}]
    assert offenders == []


def _imports(package: str) -> list[tuple[str, str]]:
    """(file, imported module) for every import in `pipeline/<package>`, lazy ones inside functions too."""
    import ast

    found = []
    for path in sorted((ROOT / "pipeline" / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [(str(path.relative_to(ROOT)), n) for n in names]
    return found


def test_data_flows_one_way_extract_model_validate_load_ingest():
    """extract → model → (validate, load) → ingest: no stage imports one above it.

    `pipeline/model` holds what validation and loading both derive (schema, metrics, funding rows,
    unit and organisation identity); `pipeline/load` no longer imports `pipeline/ingest` (the knot
    with `ingest/shrink` importing `load`), and validation no longer reaches into `pipeline/load`.
    """
    above = {
        "extract": ("pipeline.model", "pipeline.validate", "pipeline.load", "pipeline.ingest"),
        "model": ("pipeline.validate", "pipeline.load", "pipeline.ingest"),
        "validate": ("pipeline.load", "pipeline.ingest"),
        "load": ("pipeline.validate", "pipeline.ingest"),
    }
    offenders = [f"{where}: {name}" for package, banned in above.items() for where, name in _imports(package)
                 if name.startswith(banned)]
    assert offenders == []
