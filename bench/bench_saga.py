"""Saga lab: all checks of all exercises on the reference solution, lab already running.

Targets (issue 7): under 15 s on the local runtime, under 25 s on Docker. The lab is started
once per runtime (not timed), then `workbench check saga --all` runs N rounds against it; the
figure is the whole check run as the learner waits for it (pytest start-up included). Prints
each round, the slowest checks, and the ratio to the target. Not a test: a loaded machine only
prints slower figures.

    .venv/bin/python bench/bench_saga.py [--runtime local|docker|both] [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbench.checkrun.runner import run_checks  # noqa: E402
from workbench.lab import load_lab  # noqa: E402
from workbench.runtime.select import docker_available, get_runtime  # noqa: E402

TARGETS = {"local": 15.0, "docker": 25.0}


def bench(runtime_name: str, rounds: int) -> None:
    lab = load_lab(REPO / "labs" / "saga")
    runtime = get_runtime(runtime_name)
    with tempfile.TemporaryDirectory(prefix="bench-saga-") as tmp:
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        (workspace / "checkout.py").write_bytes((lab.solution_dir / "checkout.py").read_bytes())
        started = time.monotonic()
        deployment = runtime.up(lab, workspace, deadline=180)
        print(f"[{runtime_name}] lab started in {time.monotonic() - started:.1f} s (not counted)")
        totals: list[float] = []
        slowest: dict[str, float] = {}
        try:
            for n in range(1, rounds + 1):
                began = time.monotonic()
                run = run_checks(
                    lab, workspace, deployment=deployment, exercises=None, stop_at_failure=False
                )
                total = time.monotonic() - began
                totals.append(total)
                counts = run.counts()
                print(
                    f"[{runtime_name}] round {n}: {total:5.2f} s  "
                    f"({counts['passed']} passed, {counts['failed']} failed, "
                    f"{counts['error']} errors)"
                )
                for result in run.results:
                    slowest[result.name] = max(slowest.get(result.name, 0.0), result.duration)
                    if not result.ok:
                        print(f"    ! {result.name}: {result.message}")
        finally:
            runtime.down(deployment)
    target = TARGETS[runtime_name]
    best, median = min(totals), statistics.median(totals)
    print(
        f"[{runtime_name}] best {best:.2f} s, median {median:.2f} s, target {target:.0f} s: "
        f"ratio {median / target:.2f} ({'within' if median <= target else 'OVER'} target)"
    )
    print(f"[{runtime_name}] slowest checks (max over rounds):")
    for name, seconds in sorted(slowest.items(), key=lambda kv: -kv[1])[:6]:
        print(f"    {seconds:5.2f} s  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", choices=("local", "docker", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    names = ["local", "docker"] if args.runtime == "both" else [args.runtime]
    for name in names:
        if name == "docker" and not docker_available():
            print("[docker] no Docker engine answers: skipped")
            continue
        bench(name, args.rounds)


if __name__ == "__main__":
    main()
