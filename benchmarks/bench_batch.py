"""Batch ingestion: one report after another vs. in parallel worker processes.

Copies the report --copies times (default 24) into a temporary folder under
distinct names. Each copy gets one PDF comment line appended after its %%EOF
(`% etk-bench copy NN`), so the copies read exactly like the original but have
different bytes: the flow caches extraction by file hash, and 24 identical hashes
would turn 23 extractions into cache hits.

Extraction is CPU-bound pure Python (pdfminer/pdfplumber hold the GIL), so threads
cannot overlap it; processes can. Two modes (--mode, default auto = flow when
flows.ingest.ingest_folder exists, else library):

  flow     the Prefect flow flows.ingest.ingest_folder, whatever it does (when this
           was written: hash, extract, derive tables and validation's check tables in
           worker processes; Great Expectations and each DuckDB load in the flow's process,
           a load as soon as its turn comes), into a fresh warehouse and
           extraction cache every run; every report must come back loaded, uncached.
             sequential  ingest_folder with ThreadPoolTaskRunner(max_workers=1)
             concurrent  ingest_folder as defined (its ProcessPoolTaskRunner)
           Both talk to one private Prefect server started here (PREFECT_HOME in a
           temp dir; its startup is not timed), or to --api-url. Without a server,
           Prefect would start a temporary one in the flow's process and in each
           worker. Console logging is set to WARNING (PREFECT_LOGGING_LEVEL).
  library  pipeline.extract.extract_report per file
             sequential  a plain loop in this process
             concurrent  ProcessPoolExecutor(max_workers=--workers, default 2); the
                         Extraction (with its DataFrames) is pickled back
Concurrent times include starting the worker processes (and their imports).
CPU seconds are counted too (this process, its reaped worker processes, the private
Prefect server): they do not depend on how busy the machine is, and the ratio of
CPU seconds bounds the speed-up that 2 otherwise idle cores could give.

By default 24 copies (the issue's count: a backfill, not a handful) and 1 round, so a run ends
in about 2 minutes on the idle 2-core machine; --full runs 3 rounds (~5 minutes) and reports
the medians; --copies 12 shows how worker start-up weighs on a small batch.
Each step prints as it ends, with its time.

One untimed warm-up of each mode (one copy), then --repeat rounds (default 1); the order of
sequential/concurrent alternates between rounds so drift in background load does
not favour one. Prints medians, the speed-up median(sequential) / median(concurrent)
(target >= 1.6 on 2 cores), per-round speed-ups and the load average, since other
processes on a small machine eat straight into the parallel half.

    .venv/bin/python benchmarks/bench_batch.py [--mode auto|flow|library] [--pdf PATH]
        [--copies 24] [--repeat 1] [--full] [--workers 2 (library)] [--api-url URL (flow)]
        [--runner process|dask (flow: what runs the concurrent extraction)]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "toimintakertomus-2022.pdf"
TARGET = 1.6


def make_copies(pdf: Path, folder: Path, copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    data = pdf.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    files = []
    for i in range(1, copies + 1):
        target = folder / f"{pdf.stem}-copy{i:02d}.pdf"
        target.write_bytes(data + f"% etk-bench copy {i:02d}\n".encode())
        files.append(target)
    return files


# --- CPU time ------------------------------------------------------------------------------

SERVER_PIDS: list[int] = []  # a private Prefect server, whose CPU time is counted too


def cpu_seconds() -> dict[str, float]:
    """User+system CPU seconds so far: this process, its reaped children (the worker
    processes, once their pool has shut down), and the private Prefect server if any."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"main": own.ru_utime + own.ru_stime, "workers": kids.ru_utime + kids.ru_stime}
    if SERVER_PIDS:
        out["server"] = sum(_proc_tree_cpu(pid) for pid in SERVER_PIDS)
    return out


def _proc_tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and its live descendants, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                total += sum(_proc_tree_cpu(int(c)) for c in fh.read().split())
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


# --- library mode ---------------------------------------------------------------------------

def library_modes(files: list[Path], workers: int, start_method: str) -> tuple[str, int, dict[str, Callable[[], list]]]:
    from pipeline.extract.report import extract_report

    context = multiprocessing.get_context(start_method)

    def sequential() -> list:
        return [_library_fingerprint(extract_report(f)) for f in files]

    def concurrent() -> list:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [_library_fingerprint(e) for e in pool.map(extract_report, files)]

    what = (f"library: extract_report per file; sequential = plain loop, concurrent = "
            f"ProcessPoolExecutor(max_workers={workers}, {start_method})")
    return what, workers, {"sequential": sequential, "concurrent": concurrent}


def _library_fingerprint(e) -> tuple:
    return (e.source.name, len(e.figures), len(e.finance_summary), len(e.municipalities))


# --- flow mode ------------------------------------------------------------------------------

def flow_available() -> bool:
    return (ROOT / "flows" / "ingest.py").is_file() and "def ingest_folder" in (ROOT / "flows" / "ingest.py").read_text()


@contextmanager
def prefect_server(home: Path, timeout: float = 300.0) -> Iterator[str]:
    """A private `prefect server start` for the benchmark (PREFECT_HOME in `home`); its CPU time is counted."""
    from flows.runtime import temporary_api_server

    with temporary_api_server(home=home, timeout=timeout, log=home / "server.log") as server:
        SERVER_PIDS.append(server.pid)
        try:
            yield server.url
        finally:
            SERVER_PIDS.remove(server.pid)


def flow_modes(folder: Path, work: Path, runner_kind: str = "process") -> tuple[str, int, dict[str, Callable[[], list]]]:
    from prefect.task_runners import ThreadPoolTaskRunner

    from flows.ingest import folder_task_runner, ingest_folder

    runs = iter(range(10**6))

    def run(flow_fn) -> list:
        out = work / f"run{next(runs):03d}"
        outcomes = flow_fn(str(folder), warehouse=str(out / "warehouse.duckdb"), cache_dir=str(out / "cache"))
        bad = [o for o in outcomes if o.status != "loaded" or o.cache_hit]
        if bad:
            raise RuntimeError(f"{len(bad)} reports not loaded fresh, e.g. {bad[0].file_name}: "
                               f"{bad[0].status} cache_hit={bad[0].cache_hit} {bad[0].message}")
        shutil.rmtree(out, ignore_errors=True)
        return sorted((o.file_name, o.report_year, sorted(o.row_counts.items())) for o in outcomes)

    sequential_flow = ingest_folder.with_options(task_runner=ThreadPoolTaskRunner(max_workers=1))
    runner = ingest_folder.task_runner if runner_kind == "process" else folder_task_runner(runner_kind)
    concurrent_flow = ingest_folder.with_options(task_runner=runner)
    workers = int(getattr(runner, "_max_workers", None) or os.cpu_count() or 1)
    what = (f"flow: flows.ingest.ingest_folder; "
            f"sequential = ThreadPoolTaskRunner(max_workers=1), concurrent = "
            f"{type(runner).__name__}({'max_workers=%d' % workers if runner_kind == 'process' else '2 workers'})")
    return what, workers, {"sequential": lambda: run(sequential_flow), "concurrent": lambda: run(concurrent_flow)}


# --- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("auto", "flow", "library"), default="auto",
                        help="flow (Prefect ingest_folder) or library (extract_report); auto: flow if it exists")
    parser.add_argument("--pdf", type=Path, default=SAMPLE, help=f"report PDF (default: {SAMPLE.relative_to(ROOT)})")
    parser.add_argument("--copies", type=int, default=24, help="how many copies to ingest (default: 24)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds of both modes (default: 1)")
    parser.add_argument("--full", action="store_true", help="the issue's measurement: 24 copies, 3 rounds (~5 min)")
    parser.add_argument("--runner", choices=("process", "dask"), default="process",
                        help="flow mode: the concurrent task runner (default: the flow's process pool)")
    parser.add_argument("--workers", type=int, default=2, help="library mode: worker processes (default: 2)")
    parser.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(),
                        default=multiprocessing.get_start_method(),
                        help="library mode: how workers start (default here: %(default)s)")
    parser.add_argument("--api-url", help="flow mode: use this Prefect API instead of starting a private server")
    args = parser.parse_args(argv)
    if args.full:
        args.copies, args.repeat = 24, 3
    if min(args.copies, args.workers, args.repeat) < 1:
        parser.error("--copies, --workers and --repeat must be at least 1")
    mode = args.mode if args.mode != "auto" else ("flow" if flow_available() else "library")

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="etk-bench-batch-")))
        files = make_copies(args.pdf.resolve(), tmp / "reports", args.copies)
        warm_files = make_copies(args.pdf.resolve(), tmp / "warmup", 1)
        if mode == "flow":
            if args.api_url:
                os.environ["PREFECT_API_URL"] = args.api_url
            else:
                home = tmp / "prefect-home"
                home.mkdir()
                print("starting a private Prefect server (not timed) ...", flush=True)
                os.environ["PREFECT_HOME"] = str(home)
                os.environ["PREFECT_API_URL"] = stack.enter_context(prefect_server(home))
            os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
            os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
            what, workers, modes = flow_modes(tmp / "reports", tmp / "runs", args.runner)
            _, _, warm = flow_modes(tmp / "warmup", tmp / "runs", args.runner)
        else:
            what, workers, modes = library_modes(files, args.workers, args.start_method)
            _, _, warm = library_modes(warm_files, args.workers, args.start_method)

        print(f"{args.copies} copies of {args.pdf.name}; {os.cpu_count()} CPUs; {args.repeat} rounds; "
              f"load average before {_load()}\n{what}", flush=True)
        began = time.perf_counter()
        for name, fn in warm.items():  # warm-up: imports, caches, flow registration
            step = time.perf_counter()
            fn()
            _step(began, f"warm-up {name} (1 copy, not timed)", time.perf_counter() - step)

        times: dict[str, list[float]] = {"sequential": [], "concurrent": []}
        cpu: dict[str, list[dict[str, float]]] = {"sequential": [], "concurrent": []}
        expected = None
        for round_no in range(args.repeat):
            order = ["sequential", "concurrent"] if round_no % 2 == 0 else ["concurrent", "sequential"]
            for name in order:
                cpu_before = cpu_seconds()
                start = time.perf_counter()
                result = modes[name]()
                times[name].append(time.perf_counter() - start)
                _step(began, f"round {round_no + 1}/{args.repeat} {name:<10} {args.copies} reports", times[name][-1])
                cpu_after = cpu_seconds()
                cpu[name].append({k: cpu_after[k] - cpu_before[k] for k in cpu_after})
                if expected is None:
                    expected = result
                elif result != expected:
                    print(f"error: {name} round {round_no + 1} gave different results", file=sys.stderr)
                    return 1

    seq = statistics.median(times["sequential"])
    conc = statistics.median(times["concurrent"])
    speedup = seq / conc
    per_round = [s / c for s, c in zip(times["sequential"], times["concurrent"])]
    print()
    for name, values in times.items():
        med = statistics.median(values)
        cpu_med = {k: statistics.median(run[k] for run in cpu[name]) for k in cpu[name][0]}
        print(f"{name:<11} median {med:7.2f} s  ({med / args.copies:.3f} s/report; "
              f"rounds: {', '.join(f'{v:.2f}' for v in values)})")
        print(f"{'':<11} CPU {sum(cpu_med.values()):7.2f} s  ("
              + ", ".join(f"{k} {v:.2f}" for k, v in cpu_med.items()) + ")")
    print(f"speed-up {speedup:.2f}x (per round {', '.join(f'{r:.2f}' for r in per_round)}); "
          f"target >= {TARGET}x: {'MET' if speedup >= TARGET else 'NOT MET'}")
    cpu_seq = statistics.median(sum(run.values()) for run in cpu["sequential"])
    cpu_conc = statistics.median(sum(run.values()) for run in cpu["concurrent"])
    print(f"CPU cost of concurrency: concurrent used {cpu_conc / cpu_seq:.2f}x the CPU seconds of sequential, "
          f"so on {os.cpu_count()} otherwise idle cores the speed-up can be at most "
          f"{min(os.cpu_count() or 1, workers) * min(1.0, cpu_seq / cpu_conc):.2f}x")
    print(f"load average after {_load()}; every run gave identical results for {args.copies} reports")
    return 0


def _step(began: float, what: str, seconds: float) -> None:
    """One progress line: elapsed since the start, the step, its time."""
    print(f"[{time.perf_counter() - began:6.1f} s] {what}: {seconds:.1f} s", flush=True)


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
