"""Fault campaign: seeded structural mutants of a report, each through `etk-report extract` in a child process.

Why: hostile or damaged input must end in an outcome the user can trust. Every mutant ends in one of
    identical            exit 0, exactly the clean file's figures
    loss named           exit 0, figures lost or changed, and every page that lost some is named in a new warning
    refused, one line    a non-zero exit with one line on stderr and nothing on stdout
and the campaign counts the outcomes that must not happen:
    SILENT partial       exit 0, a page lost or changed figures and no new warning names it
    traceback, hang (past --timeout), multi-line refusal, stderr noise on exit 0.

Mutations (structural, each kind in equal share): bit flips, cut streams, broken cross-references,
changed object references, garbage in content streams, edited /Length values.

    .venv/bin/python benchmarks/fault_campaign.py [--seed 21] [--count 360] [--jobs 2] [--pdf FILE]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
KINDS = ("bit-flip", "cut-stream", "broken-xref", "changed-reference", "content-garbage", "edited-length")
_OBJ_REF = re.compile(rb"(?<![\d.])(\d{1,7}) 0 R\b")
_STREAM = re.compile(rb"stream\r?\n")
_LENGTH = re.compile(rb"/Length (\d+)")
_XREF_ROW = re.compile(rb"(?m)^(\d{10}) (\d{5}) n\s*$")


def _streams(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every stream's data."""
    spans = []
    for m in _STREAM.finditer(data):
        end = data.find(b"endstream", m.end())
        if end > m.end() and data[m.start() - 1:m.start()] != b"d":  # not the 'stream' of 'endstream'
            spans.append((m.end(), end))
    return spans


def mutate(clean: bytes, kind: str, rng: random.Random) -> tuple[bytes, str]:
    """(mutant, a short description of what was changed)."""
    data = bytearray(clean)
    if kind == "bit-flip":
        at = [rng.randrange(len(data)) for _ in range(rng.randint(1, 8))]
        for a in at:
            data[a] ^= 1 << rng.randrange(8)
        return bytes(data), f"bits at {at[:3]}"
    if kind == "cut-stream":
        start, end = rng.choice(_streams(clean))
        cut_from = rng.randrange(start, end)
        cut = rng.randint(1, end - cut_from)
        del data[cut_from:cut_from + cut]
        return bytes(data), f"{cut} bytes cut from a stream at {cut_from}"
    if kind == "broken-xref":
        rows = list(_XREF_ROW.finditer(clean))
        picked = rng.sample(rows, rng.randint(1, 3))
        for m in picked:
            offset = int(m.group(1))
            new = max(0, offset + rng.choice([-40, -7, -1, 1, 5, 64, 1000, rng.randrange(len(clean))]))
            data[m.start(1):m.end(1)] = b"%010d" % min(new, 9_999_999_999)
        return bytes(data), f"{len(picked)} index offsets moved"
    if kind == "changed-reference":
        refs = list(_OBJ_REF.finditer(clean))
        objects = sorted({int(m.group(1)) for m in refs})
        edits = sorted(rng.sample(refs, rng.randint(1, 3)), key=lambda m: -m.start())
        what = []
        for m in edits:
            target = 9_999_999 if rng.random() < 0.25 else rng.choice(objects)
            data[m.start(1):m.end(1)] = str(target).encode()
            what.append(f"{m.group(1).decode()}->{target}")
        return bytes(data), "refs " + ", ".join(what)
    if kind == "content-garbage":
        start, end = rng.choice(_streams(clean))
        at = rng.randrange(start, end)
        span = min(rng.choice([1, 4, 16, 64, 256]), end - at)
        data[at:at + span] = bytes(rng.randrange(256) for _ in range(span))
        return bytes(data), f"{span} random bytes in a stream at {at}"
    if kind == "edited-length":
        m = rng.choice(list(_LENGTH.finditer(clean)))
        value = int(m.group(1))
        new = max(0, rng.choice([value - 1, value + 1, value // 2, value * 2, value + 100, 0, value - 10]))
        data[m.start(1):m.end(1)] = str(new).encode()
        return bytes(data), f"/Length {value}->{new}"
    raise ValueError(kind)


@dataclass
class Run:
    code: int | str
    stdout: str
    stderr: str
    figures: list[dict] | None
    seconds: float


WORKER = REPO / "tests" / "fuzz_worker.py"


def run_batch(files: list[Path], out: Path, timeout: float) -> list[Run]:
    """`etk-report extract` on each file in a worker child (one interpreter for many files, so a case costs
    its extraction, not a pandas import); a case past `timeout` is a hang: the child is killed, a new one
    takes the rest."""
    import json
    import queue
    import threading

    runs: list[Run] = []
    while len(runs) < len(files):
        rest = files[len(runs):]
        proc = subprocess.Popen([sys.executable, str(WORKER), str(timeout * 2), str(out / f"w{len(runs)}"),
                                 *map(str, rest)], cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] + [lines.put(None)],
                         daemon=True).start()
        started = time.monotonic()
        while len(runs) < len(files):
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                proc.kill()
                proc.wait()
                runs.append(Run("hang", "", "", None, time.monotonic() - started))
                break
            if line is None:  # the worker died (a crash in C code): that case is a traceback-like failure
                proc.wait()
                runs.append(Run("traceback", "", f"worker died with {proc.returncode}", None, 0.0))
                break
            result = json.loads(line)
            figures = None
            if result["figures"] is not None:
                figures = list(csv.DictReader(io.StringIO(result["figures"])))
            code = "hang" if result["code"] == "over_budget" else result["code"]
            runs.append(Run(code, result["stdout"], result["stderr"] + result["fd2"], figures,
                            time.monotonic() - started))
            started = time.monotonic()
        else:
            proc.wait()
    return runs


def _page_rows(figures: list[dict]) -> dict[str, Counter]:
    rows: dict[str, Counter] = {}
    for f in figures:
        rows.setdefault(f["page"], Counter())[(f["unit"], f["label"], f["value"], f["uom"])] += 1
    return rows


_NAMED = re.compile(r"^warning: page (\d+):")


def classify(run: Run, clean: Run) -> tuple[str, list[str]]:
    """(outcome, pages that lost figures without being named)."""
    text = run.stdout + run.stderr
    if run.code == "hang":
        return "hang", []
    if "Traceback" in text:
        return "traceback", []
    if run.code != 0:
        one_line = len(run.stderr.splitlines()) == 1 and run.stdout == ""
        return ("refused, one line" if one_line else "multi-line refusal"), []
    if any(not line.startswith("warning:") for line in run.stderr.splitlines()):
        return "stderr noise on exit 0", []
    if run.figures == clean.figures:
        return "identical", []
    before, after = _page_rows(clean.figures), _page_rows(run.figures or [])
    losing = {page for page, rows in before.items() if rows - after.get(page, Counter())}
    losing |= {page for page, rows in after.items() if rows - before.get(page, Counter())}  # changed or new rows
    new_warnings = set(run.stderr.splitlines()) - set(clean.stderr.splitlines())
    named = {m.group(1) for line in new_warnings if (m := _NAMED.match(line))}
    silent = sorted(losing - named, key=int)
    return ("SILENT partial" if silent else "loss named"), silent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, default=REPO / "fixtures" / "toimintakertomus-2022.pdf")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--count", type=int, default=360)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--keep", type=Path, help="copy mutants with a bad outcome here")
    parser.add_argument("--only", choices=KINDS, help="only this kind of mutation")
    args = parser.parse_args(argv)

    clean_bytes = args.pdf.read_bytes()
    rng = random.Random(args.seed)
    kinds = [args.only] if args.only else list(KINDS)
    cases = []
    for n in range(args.count):
        kind = kinds[n % len(kinds)]
        mutant, what = mutate(clean_bytes, kind, rng)
        cases.append((n, kind, what, mutant))
    work = Path(tempfile.mkdtemp(prefix="etk-campaign-"))
    clean = run_batch([args.pdf], work / "clean", args.timeout)[0]
    assert clean.code == 0 and clean.figures, clean.stderr
    for n, _kind, _what, mutant in cases:
        (work / f"mutant-{n:03d}.pdf").write_bytes(mutant)

    started = time.monotonic()
    batches = [cases[w::args.jobs] for w in range(args.jobs)]
    with ThreadPoolExecutor(args.jobs) as pool:
        done = list(pool.map(lambda w: run_batch([work / f"mutant-{c[0]:03d}.pdf" for c in batches[w]],
                                                 work / f"out-{w}", args.timeout), range(args.jobs)))
    tally: Counter = Counter()
    by_kind: dict[str, Counter] = {k: Counter() for k in kinds}
    bad = []
    slowest = 0.0
    for batch, runs in zip(batches, done):
        for (n, kind, what, mutant), run in zip(batch, runs):
            outcome, silent = classify(run, clean)
            tally[outcome] += 1
            by_kind[kind][outcome] += 1
            slowest = max(slowest, run.seconds)
            if outcome not in ("identical", "loss named", "refused, one line"):
                detail = f"pages {silent}" if silent else (run.stderr.strip().splitlines() or [""])[-1][:200]
                bad.append(f"mutant-{n:03d} [{kind}: {what}] {outcome}: {detail}")
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / f"mutant-{n:03d}.pdf").write_bytes(mutant)
    print(f"fault campaign: {args.count} mutants of {args.pdf.name}, seed {args.seed}, "
          f"{time.monotonic() - started:.0f} s, slowest case {slowest:.1f} s, work dir {work}")
    for outcome in ("identical", "loss named", "refused, one line", "SILENT partial", "traceback", "hang",
                    "multi-line refusal", "stderr noise on exit 0"):
        print(f"  {outcome:24s} {tally[outcome]}")
    for kind, counts in by_kind.items():
        print(f"  {kind:18s} " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    for line in bad:
        print("  " + line)
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
