"""Seeded byte mutations of a generated report: every outcome is one the user can trust.

Allowed outcomes of `etk-report extract` on a mutated copy:
- exit 0 with exactly the clean file's figures;
- exit 0 with the loss named: every page whose figures differ is named in a warning the clean file lacks;
- exit 2 with exactly one line on stderr.
Never a traceback, never another exit code, never output on stderr with exit 0, and never
a run past its budget (each case has its own timer; a worker past its overall budget fails).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from hostile_pdfs import compress_streams
from pdf_factory import small_report

REPO = Path(__file__).resolve().parents[1]
SEED, CASES, WORKERS = 13, 300, 2
REFERENCE_CASES = 80
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


_REFERENCE = re.compile(rb"(?<![\d.])(\d{1,7}) 0 R\b")


def mutate_references(clean: bytes, rng: random.Random) -> bytes:
    """One to three object references (`N 0 R`) pointed elsewhere: at another object, or at none."""
    data = bytearray(clean)
    refs = list(_REFERENCE.finditer(clean))
    numbers = sorted({int(m.group(1)) for m in refs})
    for m in sorted(rng.sample(refs, rng.randint(1, 3)), key=lambda m: -m.start()):
        target = 9_999_999 if rng.random() < 0.25 else rng.choice(numbers)
        data[m.start(1):m.end(1)] = str(target).encode()
    return bytes(data)


def _warnings(stderr: str) -> set[str]:
    return {line for line in stderr.splitlines() if line.startswith("warning:")}


def _run_workers(files: list[Path], folder: Path) -> list[dict]:
    """Each file through `etk-report extract` in two worker processes; the first file is read by both."""
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


@pytest.fixture(scope="module")
def fuzz_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    clean = compress_streams(small_report(folder / "generated.pdf", year=2021).read_bytes())
    return _run_workers(_write_mutants(folder, clean, mutate, random.Random(SEED), CASES), folder)


@pytest.fixture(scope="module")
def reference_results(tmp_path_factory):
    """Object references changed in the generated report as written (its references are in plain sight)."""
    folder = tmp_path_factory.mktemp("fuzz-references")
    clean = small_report(folder / "generated.pdf", year=2021).read_bytes()
    return _run_workers(_write_mutants(folder, clean, mutate_references, random.Random(SEED + 1),
                                       REFERENCE_CASES), folder)


def _write_mutants(folder, clean: bytes, mutation, rng: random.Random, count: int) -> list:
    """clean.pdf, then `count` seeded mutants of it."""
    files = [folder / "clean.pdf"]
    files[0].write_bytes(clean)
    for n in range(count):
        path = folder / f"mutant-{n:03d}.pdf"
        path.write_bytes(mutation(clean, rng))
        files.append(path)
    return files


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
        new_warnings = _warnings(stderr) - _warnings(clean["stderr"] + clean["fd2"])
        named = {m.group(1) for line in new_warnings if (m := re.match(r"warning: page (\d+):", line))}
        return "exit 0, loss named" if _changed_pages(result, clean) <= named else "exit 0, SILENT loss"
    return f"unexpected exit {code}"


def _changed_pages(result: dict, clean: dict) -> set[str]:
    """Pages whose figures differ between the two runs (lost, changed or new rows)."""
    import csv
    import io

    def by_page(text: str | None) -> dict[str, Counter]:
        pages: dict[str, Counter] = {}
        for row in csv.DictReader(io.StringIO(text or "")):
            pages.setdefault(row["page"], Counter())[(row["unit"], row["label"], row["value"])] += 1
        return pages

    before, after = by_page(clean["figures"]), by_page(result["figures"])
    return {page for page in before.keys() | after.keys()
            if before.get(page, Counter()) != after.get(page, Counter())}


def _trusted_tally(results: list[dict], cases: int, what: str) -> Counter:
    """Every mutant's outcome is one the user can trust (same figures, loss named, or one-line refusal);
    returns how many ended each way."""
    clean = next(r for r in results if r["file"].endswith("clean.pdf"))
    assert clean["code"] == 0 and clean["figures"].count("\n") > 10, clean
    mutants = [r for r in results if not r["file"].endswith("clean.pdf")]
    assert len(mutants) == cases
    outcomes = {r["file"]: classify(r, clean) for r in mutants}
    tally = Counter(outcomes.values())
    print(f"fuzz outcomes of {cases} {what}: {dict(tally)}")
    allowed = {"exit 0, same figures", "exit 0, loss named", "exit 2, one line"}
    bad = {Path(f).name: o for f, o in outcomes.items() if o not in allowed}
    assert not bad, f"{tally}; first: {dict(list(bad.items())[:8])}"
    return tally


def test_every_mutation_ends_in_an_outcome_the_user_can_trust(fuzz_results):
    tally = _trusted_tally(fuzz_results, CASES, "mutations")
    assert tally["exit 2, one line"] and tally["exit 0, same figures"]  # the mutations really bite, and not all


def test_every_changed_object_reference_names_the_pages_that_lose_figures(reference_results):
    """A reference pointed at the wrong object or at none: every page whose figures change is named."""
    tally = _trusted_tally(reference_results, REFERENCE_CASES, "reference changes")
    assert tally["exit 0, loss named"] and tally["exit 0, same figures"]  # the changes bite, and not all
