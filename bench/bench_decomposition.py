"""Decomposition lab: how long grading a cut takes, and the baseline it is graded against.

Figures and their ratio to the targets of issue 15, not tests (a loaded machine only prints
slower figures):

- exercise 2's checks on the material (the coupling of a cut, in process): under 1 s;
- the Girvan-Newman baseline (computed offline, kept in checks/baseline.json): its time, printed;
- every check of every exercise on the solution, lab already running: under 10 s local;
- with `--selftest`, the self-test of the lab: under 120 s local.

    .venv/bin/python bench/bench_decomposition.py [--runtime local|docker] [--rounds N]
                                                  [--selftest]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
LAB_DIR = REPO / "labs" / "decomposition"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(LAB_DIR))

from workbench.checkrun.runner import run_checks  # noqa: E402
from workbench.lab import Lab, load_lab  # noqa: E402
from workbench.runtime.select import docker_available, get_runtime  # noqa: E402

COUPLING_TARGET_S = 1.0
CHECKS_TARGET_S = 10.0
SELFTEST_TARGET_S = 120.0


def ratio(value: float, target: float) -> str:
    return f"ratio {value / target:.2f} ({'within' if value <= target else 'OUTSIDE'} target)"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_coupling(rounds: int) -> None:
    """Exercise 2's four checks, called as the checks process calls them (in process)."""
    from design.model import load_material

    sys.modules["conftest"] = _load("conftest", LAB_DIR / "checks" / "conftest.py")
    coupling = _load("coupling_checks", LAB_DIR / "checks" / "test_2_coupling.py")
    checks = [f for n, f in sorted(vars(coupling).items()) if n.startswith("test_")]
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        material = load_material(LAB_DIR / "starter" / "bodyleasing.yaml")
        for check in checks:
            check(material=material, workspace=LAB_DIR / "solution")
        times.append(time.perf_counter() - began)
    median = statistics.median(times)
    print(
        f"exercise 2 checks on the material: {median * 1000:.0f} ms "
        f"({len(checks)} checks, median of {rounds}): {ratio(median, COUPLING_TARGET_S)}"
    )


def bench_baseline() -> None:
    from design.measure import baseline
    from design.model import load_material

    began = time.perf_counter()
    found: dict[str, Any] = baseline(load_material(LAB_DIR / "starter" / "bodyleasing.yaml"))
    took = time.perf_counter() - began
    print(
        f"Girvan-Newman baseline: {took:.2f} s (offline) -> {found['services']} groups, "
        f"cross weight {found['cross_weight']:g}, modularity {found['modularity']:.3f}"
    )


def bench_checks(lab: Lab, name: str, rounds: int) -> None:
    runtime = get_runtime(name)
    with tempfile.TemporaryDirectory(prefix="bench-decomposition-") as tmp:
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        for source in lab.solution_dir.iterdir():
            (workspace / source.name).write_bytes(source.read_bytes())
        started = time.monotonic()
        deployment = runtime.up(lab, workspace, deadline=180)
        print(f"[{name}] lab started in {time.monotonic() - started:.1f} s (not counted)")
        try:
            totals = []
            for n in range(1, rounds + 1):
                began = time.monotonic()
                run = run_checks(
                    lab, workspace, deployment=deployment, exercises=None, stop_at_failure=False
                )
                totals.append(time.monotonic() - began)
                counts = run.counts()
                print(
                    f"[{name}] all checks round {n}: {totals[-1]:5.2f} s "
                    f"({counts['passed']} passed, {counts['failed']} failed)"
                )
            median = statistics.median(totals)
            print(f"[{name}] all checks median {median:.2f} s: {ratio(median, CHECKS_TARGET_S)}")
        finally:
            runtime.down(deployment)


def bench_selftest(lab: Lab, name: str) -> None:
    from workbench.authoring.selftest import selftest

    began = time.monotonic()
    report = selftest(lab, runtime=name)
    took = time.monotonic() - began
    bad = [v.variant for v in report.variants if not v.ok] + report.problems
    print(
        f"[{name}] self-test {'passed' if report.ok else 'FAILED ' + ', '.join(bad)} in "
        f"{took:.0f} s: {ratio(took, SELFTEST_TARGET_S)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", choices=("local", "docker"), default="local")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    lab = load_lab(LAB_DIR)
    bench_coupling(max(args.rounds, 5))
    bench_baseline()
    if args.runtime == "docker" and not docker_available():
        print("[docker] no Docker engine answers: skipped")
        return
    bench_checks(lab, args.runtime, args.rounds)
    if args.selftest:
        bench_selftest(lab, args.runtime)


if __name__ == "__main__":
    main()
