"""Generated mutants: how long `workbench labs mutate` takes per lab, and a full run's projection.

For every lab with a solution (or those named), runs a seeded sample of its generated mutants
(default 20; `--full` runs them all) on the local runtime, lab started once (its start and the
solution's checks included in the time, as in a real run), and prints mutants per minute, the
kill rate of the sample, and the projected time of the full set (start-up + solution checks +
per-mutant time × all mutants). Not a test: a loaded machine only prints slower figures.

    .venv/bin/python bench/bench_mutate.py [LAB ...] [--sample N] [--seed S] [--full]
        [--runtime local|docker]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbench.authoring.mutation.engine import choose, plan  # noqa: E402
from workbench.authoring.mutation.equivalents import read_equivalents  # noqa: E402
from workbench.authoring.mutation.report import Verdict  # noqa: E402
from workbench.authoring.mutation.run import mutate  # noqa: E402
from workbench.lab import load_lab  # noqa: E402
from workbench.lab.model import Lab  # noqa: E402


def bench(lab: Lab, sample: int | None, seed: int, runtime: str) -> None:
    total = len(plan(lab))
    chosen = len(choose(plan(lab), sample=sample, seed=seed)[0])
    began = time.monotonic()
    report = mutate(lab, runtime=runtime, sample=sample, seed=seed)
    elapsed = time.monotonic() - began
    ran = [r for r in report.results if r.verdict is not Verdict.EQUIVALENT]
    mutants_time = sum(r.duration for r in ran)
    overhead = max(elapsed - mutants_time, 0.0)
    per_mutant = mutants_time / len(ran) if ran else 0.0
    equivalents = read_equivalents(lab.mutants_dir)
    to_run = sum(1 for p in plan(lab) if equivalents.reason(p.mutation.fingerprint) is None)
    rate = report.kill_rate
    counts = report.counts()
    print(
        f"[{lab.id}] {chosen} of {total} mutants in {elapsed:.0f} s "
        f"(start + solution checks {overhead:.0f} s, {per_mutant:.1f} s per mutant): "
        f"{60 / per_mutant if per_mutant else 0:.1f} mutants/min; "
        f"killed {report.killed_total}, survived {counts['survived']}, "
        f"not loadable {counts['not loadable']}, equivalent {counts['equivalent']}, "
        f"kill rate {f'{rate:.1%}' if rate is not None else 'n/a'}"
    )
    if chosen < total:
        projected = overhead + per_mutant * to_run
        print(
            f"[{lab.id}] projected full run: {projected / 60:.1f} min for {total} mutants "
            f"({total - to_run} equivalent, not run)"
        )
    else:
        print(f"[{lab.id}] full run: {elapsed / 60:.1f} min for {total} mutants")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="lab ids (default: every lab with a solution)")
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--full", action="store_true", help="run every mutant, not a sample")
    parser.add_argument("--runtime", choices=("local", "docker"), default="local")
    args = parser.parse_args()
    folders = [REPO / "labs" / name for name in args.labs] or sorted(
        p.parent for p in (REPO / "labs").glob("*/solution")
    )
    for folder in folders:
        bench(load_lab(folder), None if args.full else args.sample, args.seed, args.runtime)


if __name__ == "__main__":
    main()
