"""Runs `etk-report extract` in-process on many files, one JSON line each (driven by tests/test_fuzz.py).

One interpreter for a batch of files, so a few hundred cases cost one pandas import per
worker; each case is still bounded by its own timer, and stdout, stderr and even what C
code writes to file descriptor 2 are captured per case.

    python tests/fuzz_worker.py BUDGET_SECONDS OUT_DIR FILE...
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etk_report.cli import main  # noqa: E402


class OverBudget(BaseException):
    pass


def _expire(signum, frame):
    raise OverBudget()


def run_one(path: str, out_dir: Path, budget: float) -> dict:
    out, err = io.StringIO(), io.StringIO()
    saved_fd2 = os.dup(2)
    c_err = tempfile.TemporaryFile()
    os.dup2(c_err.fileno(), 2)
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, budget)
    code: int | str
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["extract", path, "--out", str(out_dir)])
    except OverBudget:
        code = "over_budget"
    except BaseException:  # noqa: BLE001 - exactly what the fuzz test looks for
        code = "traceback"
        err.write(traceback.format_exc())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.dup2(saved_fd2, 2)
        os.close(saved_fd2)
    c_err.seek(0)
    figures = out_dir / "figures.csv"
    return {"file": path, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
            "fd2": c_err.read().decode("utf-8", "replace"),
            "figures": figures.read_text(encoding="utf-8") if code == 0 and figures.exists() else None}


if __name__ == "__main__":
    budget, out_root, files = float(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    for n, file in enumerate(files):
        print(json.dumps(run_one(file, out_root / str(n), budget)), flush=True)
