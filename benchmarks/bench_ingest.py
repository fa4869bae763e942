"""One `etk-report ingest` with a running Prefect server vs. pdfplumber's full text of the same report.

Starts a private `prefect server start` (PREFECT_HOME in a temp dir; its start-up is
not timed), then, --repeat times (default 3), alternating the order:

  (a) baseline  pdfplumber.open(pdf) and page.extract_text() for every page, in this
                process (imports done before timing), as in bench_extract.py
  (b) ingest    `etk-report ingest REPORT --warehouse <fresh temp dir>` as a new process
                with PREFECT_API_URL set: interpreter start, imports, the flow run,
                exit; a fresh warehouse and extraction cache every round (no cache hit)
  (c) cached    the same command again on the same warehouse: extraction answered
                from the cache, as on a rerun of an unchanged file

Prints medians, (b)/(a) (goal <= 1.0) and (c)/(a), and where (b)'s time goes: the
stages the command itself reports (ETK_PROGRESS=1: Prefect flow start, extract,
validate, load, artifacts), its process start-up and imports (measured separately,
each in a fresh interpreter: `python -c pass`, `import flows.ingest`, `import
great_expectations`) and the rest (the flow run's API calls, process exit).

    .venv/bin/python benchmarks/bench_ingest.py [--pdf PATH] [--repeat 3] [--api-url URL]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import prefect_server  # noqa: E402  (benchmarks/ is not a package)
from bench_extract import run_pdfplumber_text  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "toimintakertomus-2022.pdf"
GOAL = 1.0
STAGE_DONE = re.compile(r"\] (?P<stage>.+?) done in (?P<seconds>[\d.]+) s")
FLOW_FINISHED = re.compile(r"\[\s*(?P<at>[\d.]+) s\] flow run finished")


def ingest(pdf: Path, warehouse: Path, env: dict[str, str]) -> tuple[float, dict[str, float], float | None]:
    """(wall seconds, {stage: seconds}, seconds from progress start to 'flow run finished') of one CLI run."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "etk_report.cli", "ingest", str(pdf), "--warehouse", str(warehouse)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"ingest exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    stages = {m["stage"]: float(m["seconds"]) for m in STAGE_DONE.finditer(proc.stderr)}
    finished = FLOW_FINISHED.search(proc.stderr)
    return wall, stages, float(finished["at"]) if finished else None


def fresh_interpreter(code: str) -> float:
    """Wall seconds of `python -c code` in a new process (imports from a warm disk cache)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--api-url", help="use this Prefect API instead of starting a private server")
    args = parser.parse_args(argv)
    pdf = args.pdf.resolve()
    run_pdfplumber_text(pdf)  # warm-up: imports and the disk cache, not timed

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="etk-bench-ingest-")))
        env = dict(os.environ, ETK_PROGRESS="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
        if args.api_url:
            env["PREFECT_API_URL"] = args.api_url
        else:
            home = tmp / "prefect-home"
            home.mkdir()
            print("starting a private Prefect server (not timed) ...", flush=True)
            env["PREFECT_HOME"] = str(home)
            env["PREFECT_API_URL"] = stack.enter_context(prefect_server(home))
        ingest(pdf, tmp / "warm" / "etk.duckdb", env)  # warm-up: first flow registration, disk cache

        baseline, fresh, cached, stages, finished = [], [], [], [], []
        began = time.perf_counter()
        for round_no in range(args.repeat):
            order = ("baseline", "ingest") if round_no % 2 == 0 else ("ingest", "baseline")
            for what in order:
                if what == "baseline":
                    start = time.perf_counter()
                    run_pdfplumber_text(pdf)
                    baseline.append(time.perf_counter() - start)
                    print(f"[{time.perf_counter() - began:6.1f} s] round {round_no + 1}: pdfplumber full text "
                          f"{baseline[-1]:.2f} s", flush=True)
                    continue
                warehouse = tmp / f"round{round_no}" / "etk.duckdb"
                wall, st, at = ingest(pdf, warehouse, env)
                fresh.append(wall)
                stages.append(st)
                finished.append(at)
                wall_cached, _, _ = ingest(pdf, warehouse, env)
                cached.append(wall_cached)
                print(f"[{time.perf_counter() - began:6.1f} s] round {round_no + 1}: ingest {wall:.2f} s, "
                      f"cached rerun {wall_cached:.2f} s", flush=True)

    print("\nmeasuring start-up and imports in fresh interpreters ...", flush=True)
    startup = {
        "python start": statistics.median(fresh_interpreter("pass") for _ in range(3)),
        "import CLI + flows (Prefect, pandas, DuckDB)": statistics.median(
            fresh_interpreter("import etk_report.cli, flows.ingest") for _ in range(3)),
        "import great_expectations": statistics.median(
            fresh_interpreter("import great_expectations") for _ in range(3)),
    }

    a, b, c = (statistics.median(x) for x in (baseline, fresh, cached))
    print(f"\n{pdf.name}; {args.repeat} rounds; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"(a) pdfplumber full text   median {a:6.2f} s  (rounds {', '.join(f'{x:.2f}' for x in baseline)})")
    print(f"(b) etk-report ingest      median {b:6.2f} s  (rounds {', '.join(f'{x:.2f}' for x in fresh)})")
    print(f"(c) ingest, cached extract median {c:6.2f} s  (rounds {', '.join(f'{x:.2f}' for x in cached)})")
    print(f"(b)/(a) = {b / a:.2f} (goal <= {GOAL}: {'MET' if b / a <= GOAL else 'NOT MET'}); (c)/(a) = {c / a:.2f}")

    print("\nwhere (b)'s time goes (medians):")
    names = list(dict.fromkeys(name for st in stages for name in st))
    in_stages = {name: statistics.median(st.get(name, 0.0) for st in stages) for name in names}
    imports = startup["import CLI + flows (Prefect, pandas, DuckDB)"]
    rows = [("process start + imports of CLI, flows, Prefect (separate measurement)", imports)]
    rows += [(f"stage {name}" + (" (Prefect flow-run start: API calls)" if name == "prefect" else "")
              + (" (includes importing Great Expectations)" if name == "validate" else ""), sec)
             for name, sec in in_stages.items()]
    accounted = sum(sec for _, sec in rows)
    rows.append(("rest: checks before the flow, flow-run end, process exit", max(b - accounted, 0.0)))
    for what, sec in rows:
        print(f"  {sec:6.2f} s  {100 * sec / b:5.1f} %  {what}")
    print(f"  (import great_expectations alone: {startup['import great_expectations']:.2f} s in a fresh "
          f"interpreter; python start {startup['python start']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
