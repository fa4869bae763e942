"""Installed as users install it (a wheel, not editable), `etk-report validate` still finds its
suites and data files.

The wheel is built with `pip wheel` and installed with `--no-deps` into a fresh venv made in
tmp_path; the dependencies come from this test run's own environment through a path file
(`.pth` files in that directory are not processed, so this checkout's editable install is
not visible there). The test then checks that `pipeline` is imported from the fresh venv and
validates the sample from a folder outside the checkout. ~1 min; runs in CI too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PDF = ROOT / "fixtures" / "toimintakertomus-2022.pdf"


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with this project's wheel installed (no editable link to the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    # from a clean copy: an in-tree `build/` left by an earlier build would lend the wheel stale modules
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", "build", "dist", ".git", "*.egg-info", "__pycache__", ".hypothesis", ".pytest_cache"))
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)], work)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((work / "dist").glob("etk_report-*.whl"))
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work)
                .stdout.strip())
    (site / "deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                     work)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return env_dir


@pytest.mark.wheel
def test_wheel_holds_suites_and_data(installed_wheel: Path) -> None:
    wheel = next((installed_wheel.parent / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    suites = {p.relative_to(ROOT / "expectations").as_posix() for p in (ROOT / "expectations").rglob("*.json")}
    assert {f"pipeline/validate/expectations/{s}" for s in suites} <= names
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").rglob("*.py")}
    assert {n for n in names if n.startswith("pipeline/") and n.endswith(".py")} == modules  # no stale, none missing
    data = {p.name for p in (ROOT / "pipeline" / "data").iterdir() if p.suffix in (".json", ".csv")}
    assert {f"pipeline/data/{d}" for d in data} <= names


@pytest.mark.wheel
def test_validate_from_a_non_editable_install(installed_wheel: Path, tmp_path: Path) -> None:
    python = installed_wheel / "bin" / "python"
    where = _run([str(python), "-c", "import pipeline; print(pipeline.__file__)"], tmp_path)
    assert where.stdout.strip().startswith(str(installed_wheel)), where.stdout + where.stderr
    result = _run([str(installed_wheel / "bin" / "etk-report"), "validate", str(SAMPLE_PDF),
                   "--json", "v.json", "--html", "v.html"], tmp_path)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    data = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert data["passed"] is True and data["summary"]["checks_run"] > 50
    assert "narrative" in data["suites"]
    assert "PASSED" in (tmp_path / "v.html").read_text(encoding="utf-8")
