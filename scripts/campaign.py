"""The consistent-report campaign at scale (issue 20): N random consistent reports, cycling through
every layout of `tests/campaign.py`'s registry; each is validated as drawn (a critical failure there
is a *false critical*) and again with one defect of a check family (cycling too), which must be
caught by that family's critical check on the right unit and page.

    .venv/bin/python scripts/campaign.py [--reports 200] [--seed N] [--workers 2]

Prints the seed first, a line per problem, and the counts at the end; exits 1 on any false
critical or missed defect. No timing is asserted anywhere; it prints its duration.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def one(seed: int, index: int) -> tuple[str, str, int, bool, str | None]:
    """(layout, defect family, false criticals, defect caught, problem) of report `index`."""
    import campaign

    rng = random.Random(f"{seed}-{index}")
    names = list(campaign.LAYOUTS)
    layout = names[index % len(names)]
    defect = campaign.defect_for(index // len(names) + index, layout)
    report = campaign.random_report(rng)
    with tempfile.TemporaryDirectory() as folder:
        clean = campaign.run_one(report, layout, Path(folder))
        broken = campaign.run_one(report, layout, Path(folder), defect, rng.randrange(len(report.units)))
    problem = None
    if clean.critical:
        problem = f"false critical in {layout}: " + "; ".join(f.line() for f in clean.critical)
    elif not broken.caught:
        problem = broken.problem
    return layout, defect.family, len(clean.critical), bool(broken.caught), problem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None, help="default: a random one (printed)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    print(f"seed {seed}; {args.reports} reports on {args.workers} workers", flush=True)
    started = time.monotonic()
    false_critical = caught = 0
    reports_with_false = 0
    by_family: dict[str, list[int]] = {}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for n, (layout, family, criticals, hit, problem) in enumerate(
                pool.map(one, [seed] * args.reports, range(args.reports)), 1):
            false_critical += criticals
            reports_with_false += bool(criticals)
            caught += hit
            by_family.setdefault(family, [0, 0])
            by_family[family][0] += hit
            by_family[family][1] += 1
            if problem:
                print(f"  report {n - 1} ({layout}, {family}): {problem}", flush=True)
            if n % 20 == 0:
                print(f"  {n}/{args.reports} done, {time.monotonic() - started:.0f} s", flush=True)
    print(f"seed {seed}: {args.reports} reports, {false_critical} false critical failure(s) in "
          f"{reports_with_false} report(s), injected defects caught {caught}/{args.reports} ("
          + ", ".join(f"{family} {c}/{t}" for family, (c, t) in sorted(by_family.items()))
          + f"); {time.monotonic() - started:.0f} s")
    return 0 if false_critical == 0 and caught == args.reports else 1


if __name__ == "__main__":
    sys.exit(main())
