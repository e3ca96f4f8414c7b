"""Checking one exercise of an already-running lab, end to end (target < 2 s, issue 4).

Starts the fixture shop on the local runtime (solution workspace), then times:
- `workbench check shop pricing` as a learner types it (CLI start-up, import pre-check, pytest
  subprocess start-up, four checks through the gateway, report);
- `run_checks()` in-process, started cold, and its parts: the import pre-check alone and a bare
  pytest subprocess with the same flags running one empty test;
- the TUI's path (issue 18): the pre-check, then the run forked from the warm checks process
  (`workbench.checkrun.warm`), whose pre-check is skipped while the files are unchanged;
- `workbench check design-mini` (a design lab: nothing running, files only).
Prints figures and ratios. Not a test: nothing fails on a slow machine.

    .venv/bin/python bench/bench_checks.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "labs"
sys.path.insert(0, str(REPO))
TARGET = 2.0
CLI_TARGET = 0.6
TUI_TARGET = 0.3


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return times


def show(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"  {label:<46} median {median:6.3f} s   min {min(times):6.3f}   max {max(times):6.3f}")
    return median


def bare_pytest_run(tmp: Path) -> Callable[[], None]:
    """A pytest subprocess with the runner's flags and plugin, running one empty test."""
    empty = tmp / "empty"
    empty.mkdir()
    (empty / "test_empty.py").write_text("def test_nothing():\n    pass\n")
    (empty / "pytest.ini").write_text("[pytest]\n")
    bare = [
        sys.executable, "-m", "pytest", str(empty), "-q", "-p", "no:cacheprovider",
        "-p", "workbench.checks.plugin", "-p", "pytest_timeout",
        "-c", str(empty / "pytest.ini"), "--timeout", "30", "--workbench-fast-exit",
    ]  # fmt: skip
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

    def run() -> None:
        subprocess.run(bare, capture_output=True, check=True, env=env)

    return run


def trace_cost(shop: Any, workspace: Path, deployment: Any, rounds: int) -> None:
    """What "what happened" costs: with every order failing (a fault on orders) each check
    collects its trace from every service; the same run without collecting (WORKBENCH_TRACE=0)."""
    from workbench.checkrun.runner import run_checks
    from workbench.runtime import faults

    def failing(trace: str) -> Callable[[], None]:
        def run() -> None:
            done = run_checks(shop, workspace, exercises=["pricing"], deployment=deployment,
                              env={"WORKBENCH_TRACE": trace})  # fmt: skip
            assert not done.passed
            assert all(r.trace for r in done.results if not r.ok) == (trace == "1")

        return run

    faults.inject(deployment, "orders", "error_rate", rate=1.0, status=503)
    try:
        print("failing checks (orders answers 503), with and without their traces:")
        with_trace = show("run_checks() failing, traces collected", timed(failing("1"), rounds))
        without = show("run_checks() failing, WORKBENCH_TRACE=0", timed(failing("0"), rounds))
    finally:
        faults.clear(deployment)
    print(
        f"traces cost {with_trace - without:+.3f} s on a failing run, "
        f"{(with_trace - without) / without:+.1%} of its time (target < 10 %)"
    )


def targets(cli: float, tui: float) -> None:
    for what, figure, target in (("CLI", cli, CLI_TARGET), ("TUI", tui, TUI_TARGET)):
        verdict = "meets" if figure <= target else "misses"
        print(f"{what}: {figure:.2f} s, target ≤ {target:g} s ({figure / target:.2f}×, {verdict})")


def measure(shop: Any, design: Any, workspace: Path, deployment: Any, *, tmp: Path,
            rounds: int) -> None:  # fmt: skip
    from workbench.checkrun import imports, warm
    from workbench.checkrun.runner import files_that_do_not_load, learner_files, run_checks

    cli = [sys.executable, "-m", "workbench", "check"]

    def check_cli() -> None:
        done = subprocess.run([*cli, "shop", "pricing"], capture_output=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    def check_lib() -> None:
        imports._CLEAN.clear()  # as in a new process: the pre-check runs
        assert run_checks(shop, workspace, exercises=["pricing"], deployment=deployment).passed

    def check_tui() -> None:
        assert files_that_do_not_load(shop, workspace, ["pricing"]) is None
        run = run_checks(
            shop, workspace, exercises=["pricing"], deployment=deployment, precheck=False
        )
        assert run.passed, run.results

    def precheck() -> None:
        imports._CLEAN.clear()
        imports.check_imports(workspace, learner_files(shop, ["pricing"]), starter=shop.starter_dir)

    bare_pytest = bare_pytest_run(tmp)

    def design_cli() -> None:
        subprocess.run([*cli, "design-mini"], capture_output=True, check=False)

    check_cli()  # warm the file cache once
    print("one exercise of the running shop (4 checks through the gateway):")
    end_to_end = show("workbench check shop pricing (CLI)", timed(check_cli, rounds))
    library = show("run_checks() in-process, cold", timed(check_lib, rounds))
    warm.enable()
    check_tui()  # the warm process starts once, as when the TUI first checks
    tui = show("TUI path: pre-check + run forked warm", timed(check_tui, rounds))
    print("parts:")
    pre = show("import pre-check (subprocess)", timed(precheck, rounds))
    start = show("bare pytest subprocess, same flags, 1 empty test", timed(bare_pytest, rounds))
    trace_cost(shop, workspace, deployment, rounds)
    print("design lab (nothing running):")
    show("workbench check design-mini (CLI)", timed(design_cli, rounds))
    targets(end_to_end, tui)
    print(
        f"end to end: {end_to_end:.2f} s against a target of < {TARGET:.0f} s "
        f"({end_to_end / TARGET:.2f}× the target); CLI overhead over the library call "
        f"{end_to_end - library:.2f} s; pre-check + pytest start-up are "
        f"{(pre + start) / library:.0%} of the library call"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds

    tmp = Path(tempfile.mkdtemp(prefix="bench-checks-"))
    os.environ.update(
        WORKBENCH_STATE_DIR=str(tmp / "state"),
        WORKBENCH_HOME=str(tmp / "home"),
        WORKBENCH_LABS_PATH=str(FIXTURES),
    )

    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace
    from workbench.runtime.local import LocalRuntime

    shop, design = find_lab("shop"), find_lab("design-mini")
    workspace = init_workspace(shop)
    shutil.copy(shop.solution_dir / "pricing.py", workspace / "pricing.py")
    init_workspace(design)
    runtime = LocalRuntime()
    deployment = runtime.up(shop, workspace)
    load = os.getloadavg()[0]
    print(f"bench_checks: {rounds} rounds, {os.cpu_count()} cores, load average {load:.1f}")
    try:
        measure(shop, design, workspace, deployment, tmp=tmp, rounds=rounds)
    finally:
        runtime.down(deployment)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
