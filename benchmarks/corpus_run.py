"""Run `etk-report extract` on every PDF of a folder and count how each ended.

Why: reading reports by content must not turn other PDFs (invoices, papers, forms) into false
discoveries or crashes. Every file must end in exit 0, or exit 2 with one stderr line, never a
traceback, within bounded time and memory. This prints the count per outcome, the files that
ended otherwise, the slowest files and the peak resident memory of one run.

    .venv/bin/python benchmarks/corpus_run.py /tmp/pdfplumber-corpus [--timeout 120] [--slowest 5]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    pdf: Path
    outcome: str      # exit 0, exit 2 (one line), exit 2 (several lines), traceback, timeout, exit N
    seconds: float
    peak_mib: float   # the child's peak resident set (ru_maxrss)
    figures: int      # rows of figures.csv (exit 0)
    first_line: str


def run_one(command: list[str], pdf: Path, timeout: float) -> Run:
    """One extraction in a fresh process; its peak memory from `wait4`'s resource usage."""
    with tempfile.TemporaryDirectory(prefix="corpus-") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([*command, "extract", str(pdf), "--out", out, "-q"],
                                 stdout=subprocess.DEVNULL, stderr=err)
        deadline, status, usage = start + timeout, None, None
        while status is None:
            pid, raw, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(raw)
            elif time.perf_counter() > deadline:
                child.kill()
                _, _, usage = os.wait4(child.pid, 0)
                status = "timeout"
            else:
                time.sleep(0.02)
        child.returncode = status if isinstance(status, int) else -9  # reaped here, not by Popen
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        figures = 0
        table = Path(out) / "figures.csv"
        if status == 0 and table.exists():
            with table.open(encoding="utf-8") as fh:
                figures = sum(1 for _ in csv.DictReader(fh))
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if not line.startswith("warning:")]
    if status == "timeout":
        outcome = "timeout"
    elif "Traceback" in stderr:
        outcome = "traceback"
    elif status == 2:
        outcome = "exit 2 (one line)" if len(errors) == 1 else "exit 2 (several lines)"
    else:
        outcome = f"exit {status}"
    return Run(pdf, outcome, seconds, usage.ru_maxrss / 1024 if usage else 0.0, figures,
               (errors or lines or [""])[0][:160])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per file before it counts as hung")
    parser.add_argument("--slowest", type=int, default=5)
    parser.add_argument("--command", default=str(ROOT / ".venv" / "bin" / "etk-report"))
    args = parser.parse_args(argv)
    pdfs = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    if not pdfs:
        print(f"no PDF files in {args.folder}", file=sys.stderr)
        return 2
    runs = []
    for n, pdf in enumerate(pdfs, 1):
        run = run_one([args.command], pdf, args.timeout)
        runs.append(run)
        print(f"[{n}/{len(pdfs)}] {run.outcome:<22} {run.seconds:6.2f} s {run.peak_mib:6.0f} MiB "
              f"{run.figures:4d} figures  {pdf.name}", file=sys.stderr, flush=True)
    counts = Counter(run.outcome for run in runs)
    print(f"files: {len(runs)}")
    for outcome, count in sorted(counts.items()):
        print(f"  {outcome}: {count}")
    good = {"exit 0", "exit 2 (one line)"}
    for run in runs:
        if run.outcome not in good:
            print(f"  ! {run.pdf.name}: {run.outcome}: {run.first_line}")
    for run in runs:
        if run.outcome == "exit 0":
            print(f"  exit 0 with {run.figures} figures: {run.pdf.name}")
    print(f"slowest {args.slowest}:")
    for run in sorted(runs, key=lambda r: -r.seconds)[: args.slowest]:
        print(f"  {run.seconds:6.2f} s  {run.peak_mib:5.0f} MiB  {run.pdf.name}  ({run.outcome})")
    print(f"peak memory of one run: {max(run.peak_mib for run in runs):.0f} MiB; "
          f"total time {sum(run.seconds for run in runs):.1f} s")
    return 0 if all(run.outcome in good for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
