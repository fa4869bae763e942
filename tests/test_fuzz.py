"""Seeded byte mutations of a generated report: every outcome is one the user can trust.

Allowed outcomes of `etk-report extract` on a mutated copy:
- exit 0 with exactly the clean file's figures;
- exit 0 with the loss named: a warning line the clean file does not have;
- exit 2 with exactly one line on stderr.
Never a traceback, never another exit code, never output on stderr with exit 0, and never
a run past its budget (each case has its own timer; a worker past its overall budget fails).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from hostile_pdfs import compress_streams
from pdf_factory import small_report

REPO = Path(__file__).resolve().parents[1]
SEED, CASES, WORKERS = 13, 300, 2
CASE_BUDGET_S = 30.0


def mutate(clean: bytes, rng: random.Random) -> bytes:
    """One of: flipped bytes, a region overwritten, zeroed or XOR-ed, a cut, a duplicated chunk, a truncation."""
    data = bytearray(clean)
    size = len(data)
    kind = rng.choice(["flip", "random-region", "zero-region", "xor-region", "delete", "duplicate", "truncate"])
    at = rng.randrange(16, size - 16)
    span = rng.choice([1, 8, 64, 512, 4096])
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(size)] ^= 1 << rng.randrange(8)
    elif kind == "random-region":
        data[at:at + span] = bytes(rng.randrange(256) for _ in range(len(data[at:at + span])))
    elif kind == "zero-region":
        data[at:at + span] = bytes(len(data[at:at + span]))
    elif kind == "xor-region":
        data[at:at + span] = bytes(b ^ 0x55 for b in data[at:at + span])
    elif kind == "delete":
        del data[at:at + span]
    elif kind == "duplicate":
        data[at:at] = data[at:at + span]
    else:
        data = data[:at] + b"\n%%EOF\n"
    return bytes(data)


def _warnings(stderr: str) -> set[str]:
    return {line for line in stderr.splitlines() if line.startswith("warning:")}


@pytest.fixture(scope="module")
def fuzz_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    clean = compress_streams(small_report(folder / "generated.pdf", year=2021).read_bytes())
    rng = random.Random(SEED)
    files = [folder / "clean.pdf"]
    files[0].write_bytes(clean)
    for n in range(CASES):
        path = folder / f"mutant-{n:03d}.pdf"
        path.write_bytes(mutate(clean, rng))
        files.append(path)
    batches = [files[0::WORKERS], files[1::WORKERS]]
    batches[1].insert(0, files[0])  # both workers also read the clean file
    procs = [subprocess.Popen([sys.executable, str(REPO / "tests" / "fuzz_worker.py"), str(CASE_BUDGET_S),
                               str(folder / f"out-{w}"), *map(str, batch)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w, batch in enumerate(batches)]
    results = []
    for proc, batch in zip(procs, batches):
        out, err = proc.communicate(timeout=CASE_BUDGET_S * 4 + 5 * len(batch))
        assert proc.returncode == 0, err[-2000:]
        results += [json.loads(line) for line in out.splitlines()]
        assert len([1 for line in out.splitlines()]) == len(batch)
    return results


def classify(result: dict, clean: dict) -> str:
    code, stdout, stderr = result["code"], result["stdout"], result["stderr"] + result["fd2"]
    if "Traceback" in stdout + stderr or code == "traceback":
        return "traceback"
    if code == 2:
        return "exit 2, one line" if len(stderr.splitlines()) == 1 and stdout == "" else "exit 2, not one line"
    if code == 0:
        if set(stderr.splitlines()) - _warnings(stderr):
            return "exit 0 with stderr"  # anything on stderr but warnings
        if result["figures"] == clean["figures"]:
            return "exit 0, same figures"
        clean_warnings = _warnings(clean["stderr"] + clean["fd2"])
        return "exit 0, loss named" if _warnings(stderr) - clean_warnings else "exit 0, SILENT loss"
    return f"unexpected exit {code}"


def test_every_mutation_ends_in_an_outcome_the_user_can_trust(fuzz_results):
    clean = next(r for r in fuzz_results if r["file"].endswith("clean.pdf"))
    assert clean["code"] == 0 and clean["figures"].count("\n") > 10, clean
    mutants = [r for r in fuzz_results if not r["file"].endswith("clean.pdf")]
    assert len(mutants) == CASES
    outcomes = {r["file"]: classify(r, clean) for r in mutants}
    tally = Counter(outcomes.values())
    print(f"fuzz outcomes of {CASES} mutations: {dict(tally)}")
    allowed = {"exit 0, same figures", "exit 0, loss named", "exit 2, one line"}
    bad = {Path(f).name: o for f, o in outcomes.items() if o not in allowed}
    assert not bad, f"{tally}; first: {dict(list(bad.items())[:8])}"
    assert tally["exit 2, one line"] and tally["exit 0, same figures"]  # the mutations really bite, and not all
