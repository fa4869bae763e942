"""How fast is `extract_report` compared with reading the whole PDF with pdfplumber?

Three measurements of one report, taken in the same run so that the ratios are
meaningful on a noisy machine:

  (a) baseline  pdfplumber.open(pdf) and page.extract_text() for every page
  (b) ours      pipeline.extract.extract_report(pdf): the report to tables
  (c) floor     pypdfium2 plain text of every page

Timing: wall clock (time.perf_counter). One untimed warm-up of each (imports,
cached vocabulary) and then --repeat rounds; within a round a, b and c run
back to back, so a burst of noise from other processes hits all three alike.
Medians are printed, with (b)/(a) (target <= 0.25) and (b)/(c).

Peak memory: each of a, b and c runs once more in its own fresh subprocess
that first imports everything all three need (pdfplumber, pypdfium2,
pipeline.extract.report), then resets the kernel's resident-set high-water mark
(writing 5 to /proc/self/clear_refs) and runs the work; the peak is VmHWM from
/proc/self/status afterwards. That is the process's peak resident memory
during the work, C heaps included (pdfium's allocations are invisible to
tracemalloc). Printed: the peak, and its growth over the resident size after
the imports. (ru_maxrss is not used: Linux carries the parent's high-water
mark into a forked-and-exec'ed child, and the import peak would mask the work.)
Linux only; elsewhere the memory columns are skipped.

Profile of (b): after the timed rounds, --repeat more runs of extract_report
with timers wrapped (from here, not in the library) around scan_pages,
pdfplumber.open, WordReader.words, group_lines and parse_statistics_page;
"other" is the rest (finance summary, DataFrames, ...). Median per bucket.

OCR (issue 11): the first statistics page is replaced by a 200-dpi picture of itself; printed are
the seconds of the cheap title probe and of the full OCR pass on that page, and extract_report on
that copy against (b). Skipped with --no-ocr or where Tesseract is missing.

    .venv/bin/python benchmarks/bench_extract.py [--pdf PATH] [--repeat N] [--no-memory] [--no-ocr]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "toimintakertomus-2022.pdf"
TARGET = 0.25


# --- the three measured workloads ---------------------------------------------------------

def run_pdfplumber_text(pdf: Path) -> int:
    """(a) Baseline: every page's text through pdfplumber. Returns characters read."""
    import pdfplumber

    chars = 0
    with pdfplumber.open(str(pdf)) as doc:
        for page in doc.pages:
            chars += len(page.extract_text() or "")
            page.close()  # drop pdfplumber's per-page cache, as its docs advise for long files
    return chars


def run_extract(pdf: Path) -> int:
    """(b) Ours: the report to tables. Returns the number of figures."""
    from pipeline.extract.report import extract_report

    return len(extract_report(pdf).figures)


def run_pdfium_text(pdf: Path) -> int:
    """(c) Floor: every page's plain text through pypdfium2. Returns characters read."""
    import pypdfium2 as pdfium

    chars = 0
    doc = pdfium.PdfDocument(str(pdf))
    try:
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            chars += len(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        doc.close()
    return chars


WORKLOADS: dict[str, tuple[str, Callable[[Path], int]]] = {
    "a": ("baseline: pdfplumber extract_text, all pages", run_pdfplumber_text),
    "b": ("ours: extract_report to tables", run_extract),
    "c": ("floor: pypdfium2 plain text, all pages", run_pdfium_text),
}


def timed(fn: Callable[[Path], int], pdf: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    fn(pdf)
    return time.perf_counter() - start


# --- peak memory, one fresh subprocess per measurement -------------------------------------

def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _memory_child(key: str, pdf: Path) -> None:
    import pdfplumber  # noqa: F401  same imports for every measurement
    import pypdfium2  # noqa: F401

    import pipeline.extract.report  # noqa: F401

    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset VmHWM to the current resident size
    before = _status_kib("VmRSS")
    WORKLOADS[key][1](pdf)
    print(json.dumps({"before_kib": before, "peak_kib": _status_kib("VmHWM")}))


def measure_memory(key: str, pdf: Path) -> dict[str, int] | None:
    out = subprocess.run([sys.executable, __file__, "--_memory-child", key, "--pdf", str(pdf)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        print(f"peak memory of ({key}) not measured: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- profile of (b) -------------------------------------------------------------------------

@contextmanager
def profiled(buckets: dict[str, float], counts: dict[str, int]) -> Iterator[None]:
    """Wrap the public steps of extract_report with timers; restore them afterwards.

    extract_report calls scan_pages, group_lines and parse_statistics_page through the names
    imported into pipeline.extract.report, so those are the names wrapped; WordReader.words is a method
    and pdfplumber.open is looked up on the module at call time.
    """
    import pdfplumber

    import pipeline.extract.report as extract
    from pipeline.extract.read.pages import WordReader

    targets = [
        (extract, "scan_pages", "scan_pages"),
        (pdfplumber, "open", "pdfplumber.open"),
        (WordReader, "words", "WordReader.words"),
        (extract, "group_lines", "group_lines"),
        (extract, "parse_statistics_page", "parse_statistics_page"),
    ]
    saved = []
    for owner, attr, name in targets:
        original = getattr(owner, attr)
        saved.append((owner, attr, original))

        def wrapper(*args, __fn=original, __name=name, **kwargs):
            start = time.perf_counter()
            try:
                return __fn(*args, **kwargs)
            finally:
                buckets[__name] = buckets.get(__name, 0.0) + time.perf_counter() - start
                counts[__name] = counts.get(__name, 0) + 1

        setattr(owner, attr, wrapper)
    try:
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


def profile_extract(pdf: Path, repeat: int) -> tuple[dict[str, float], dict[str, int], float]:
    per_run: dict[str, list[float]] = {}
    totals = []
    counts: dict[str, int] = {}
    for _ in range(repeat):
        buckets: dict[str, float] = {}
        counts = {}
        with profiled(buckets, counts):
            total = timed(run_extract, pdf)
        buckets["other"] = total - sum(buckets.values())
        totals.append(total)
        for name, seconds in buckets.items():
            per_run.setdefault(name, []).append(seconds)
    return {k: statistics.median(v) for k, v in per_run.items()}, counts, statistics.median(totals)


# --- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, default=SAMPLE, help=f"report PDF (default: {SAMPLE.relative_to(ROOT)})")
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (default: 5)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    parser.add_argument("--no-ocr", action="store_true", help="skip timing OCR of a scanned statistics page")
    parser.add_argument("--_memory-child", dest="memory_child", choices=sorted(WORKLOADS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    pdf = args.pdf.resolve()

    if args.memory_child:
        _memory_child(args.memory_child, pdf)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    import pypdfium2 as pdfium

    with pdfium.PdfDocument(str(pdf)) as doc:
        pages = len(doc)
    print(f"{pdf.name}: {pages} pages, {args.repeat} rounds, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    for _, fn in WORKLOADS.values():  # warm-up: imports, caches
        fn(pdf)
    times: dict[str, list[float]] = {key: [] for key in WORKLOADS}
    for _ in range(args.repeat):
        for key, (_, fn) in WORKLOADS.items():
            times[key].append(timed(fn, pdf))
    med = {key: statistics.median(values) for key, values in times.items()}

    memory = {} if args.no_memory else {key: measure_memory(key, pdf) for key in WORKLOADS}

    print()
    print(f"{'':3}{'median s':>9} {'min s':>7} {'max s':>7}  {'peak RSS MiB':>12} {'+work MiB':>9}  what")
    for key, (label, _) in WORKLOADS.items():
        mem = memory.get(key)
        mem_cols = (f"{mem['peak_kib'] / 1024:>12.1f} {(mem['peak_kib'] - mem['before_kib']) / 1024:>9.1f}"
                    if mem else f"{'-':>12} {'-':>9}")
        print(f"({key}){med[key]:>9.3f} {min(times[key]):>7.3f} {max(times[key]):>7.3f}  {mem_cols}  {label}")
    if memory:
        print("    peak RSS: VmHWM of a fresh subprocess per measurement, one run each, high-water mark reset after\n"
              "    importing pdfplumber, pypdfium2 and pipeline.extract.report; +work: that peak minus the RSS after the imports")

    ratio_ba = med["b"] / med["a"]
    ratio_bc = med["b"] / med["c"]
    per_round = [b / a for a, b in zip(times["a"], times["b"])]
    print()
    print(f"(b)/(a) = {ratio_ba:.3f}  (per round {min(per_round):.3f}..{max(per_round):.3f}); "
          f"target <= {TARGET}: {'MET' if ratio_ba <= TARGET else 'NOT MET'}")
    print(f"(b)/(c) = {ratio_bc:.1f}")

    buckets, counts, total = profile_extract(pdf, args.repeat)
    order = ["scan_pages", "pdfplumber.open", "WordReader.words", "group_lines", "parse_statistics_page", "other"]
    parts = []
    for name in order:
        calls = f" x{counts[name]}" if counts.get(name, 0) > 1 else ""
        parts.append(f"{name}{calls} {buckets.get(name, 0.0):.3f}s ({100 * buckets.get(name, 0.0) / total:.0f}%)")
    print()
    print(f"profile of (b), median of {args.repeat} wrapped runs, {total:.3f}s: " + " | ".join(parts))
    if not args.no_ocr:
        print()
        print(measure_ocr(pdf, args.repeat, med["b"]))
    return 0


# --- OCR (issue 11): time per OCR page --------------------------------------------------------

def scanned_statistics_copy(pdf: Path, out: Path, dpi: int = 200) -> int:
    """A copy of `pdf` whose first statistics page is a `dpi` picture of itself; returns that page's number."""
    import pypdfium2 as pdfium
    import io

    from pipeline.extract.read.pages import scan_pages

    number = next(s.number for s in scan_pages(pdf) if "toimintalukuja" in s.text.casefold())
    src, copy = pdfium.PdfDocument(str(pdf)), pdfium.PdfDocument.new()
    try:
        image = src[number - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        buffer = io.BytesIO()
        image.save(buffer, format="PDF", resolution=float(dpi))
        scan = pdfium.PdfDocument(buffer.getvalue())
        copy.import_pages(src, list(range(number - 1)))
        copy.import_pages(scan)
        copy.import_pages(src, list(range(number, len(src))))
        copy.save(str(out))
        scan.close()
    finally:
        src.close()
        copy.close()
    return number


def measure_ocr(pdf: Path, repeat: int, plain_extract_s: float) -> str:
    """Seconds per OCR page: the cheap title probe, the full pass, and extract_report on a copy with one scanned page."""
    import tempfile

    from pipeline.extract.ocr import tesseract as ocr
    from pipeline.extract.report import extract_report

    problem = ocr.tesseract_problem()
    if problem:
        return f"OCR: not measured ({problem})"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "scanned.pdf"
        number = scanned_statistics_copy(pdf, copy)
        rounds = max(1, min(repeat, 3))
        probe = statistics.median(timed(lambda p: ocr.probe_has_title(p, number), copy) for _ in range(rounds))
        full = statistics.median(timed(lambda p: len(ocr.ocr_words(p, number)), copy) for _ in range(rounds))
        whole = statistics.median(timed(lambda p: len(extract_report(p).figures), copy) for _ in range(rounds))
    return (f"OCR, page {number} as a 200-dpi scan (median of {rounds}): probe at {ocr.SETTINGS.probe_dpi} dpi "
            f"{probe:.2f} s, full pass at {ocr.SETTINGS.full_dpi} dpi {full:.2f} s per page; extract_report on "
            f"that copy {whole:.2f} s vs (b) {plain_extract_s:.2f} s on the original (+{whole - plain_extract_s:.2f} s)")


if __name__ == "__main__":
    sys.exit(main())
