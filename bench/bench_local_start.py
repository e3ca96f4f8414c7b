"""Local runtime: start to all-ready vs the same processes launched by hand; stop; CLI start-up.

Prints figures and ratios (targets from issue 2): start ≤ 1.3× hand-launched, stop < 0.5 s,
`workbench --help` and `workbench labs list` < 0.3 s. Not a test: nothing fails on a slow machine.

    .venv/bin/python bench/bench_local_start.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "fixtures" / "labs" / "shop"
sys.path.insert(0, str(REPO))

from workbench.lab import load_lab  # noqa: E402
from workbench.runtime.local import LocalRuntime, procs  # noqa: E402
from workbench.runtime.local import env as localenv  # noqa: E402
from workbench.runtime.local.ports import free_ports  # noqa: E402
from workbench.runtime.readiness import http_ready, nats_ready  # noqa: E402


def by_hand(rounds: int) -> list[float]:
    """The same argv and env as the runtime, every process at once, until all answer /ready."""
    lab = load_lab(FIXTURE)
    times = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp)
            names = [s.name for s in lab.services]
            ports = dict(zip(names, free_ports(len(names)), strict=True))
            for s in lab.services:
                localenv.data_dir(run_dir, s.name).mkdir(parents=True)
                for v in s.volumes:
                    localenv.volume_dir(run_dir, v.name).mkdir(parents=True, exist_ok=True)
            started = time.monotonic()
            children = []
            for s in lab.services:
                if s.kind.value == "nats":
                    argv = localenv.nats_argv(ports[s.name], localenv.data_dir(run_dir, s.name))
                    env = dict(os.environ)
                else:
                    argv = localenv.uvicorn_argv(
                        lab, s, ports[s.name], lab.solution_dir, gated=False
                    )
                    env = localenv.service_env(
                        lab,
                        s,
                        ports=ports,
                        run_id="bench",
                        run_dir=run_dir,
                        workspace=lab.solution_dir,
                    )
                children.append(
                    subprocess.Popen(
                        argv,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
            pending = {s.name: s for s in lab.services}
            while pending:
                for name, s in list(pending.items()):
                    ok = (
                        nats_ready(ports[name])
                        if s.kind.value == "nats"
                        else http_ready(ports[name], s.readiness)
                    )
                    if ok:
                        del pending[name]
                time.sleep(0.03)
            times.append(time.monotonic() - started)
            records = [
                procs.ProcessRecord("x", c.pid, procs.start_time_of(c.pid), []) for c in children
            ]
            procs.terminate_groups(records)
            for c in children:
                c.wait()
    return times


def runtime(rounds: int) -> tuple[list[float], list[float]]:
    lab = load_lab(FIXTURE)
    starts, stops = [], []
    rt = LocalRuntime()
    for _ in range(rounds):
        started = time.monotonic()
        deployment = rt.up(lab, lab.solution_dir)
        starts.append(time.monotonic() - started)
        started = time.monotonic()
        rt.down(deployment)
        stops.append(time.monotonic() - started)
    return starts, stops


def cli(args: list[str], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.monotonic()
        subprocess.run(
            [str(REPO / ".venv" / "bin" / "workbench"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.monotonic() - started)
    return times


def show(label: str, values: list[float], target: str = "") -> float:
    median = statistics.median(values)
    print(
        f"{label:<44} median {median:6.3f} s  (min {min(values):.3f}, max {max(values):.3f})"
        + (f"  target {target}" if target else "")
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as state:
        os.environ["WORKBENCH_STATE_DIR"] = state
        os.environ["WORKBENCH_LABS_PATH"] = str(FIXTURE.parent)
        print(
            f"local runtime, fixture lab 'shop' (4 python services + NATS), {rounds} rounds, "
            f"{os.cpu_count()} cpus"
        )
        # Interleave so a noisy neighbour hurts both sides alike.
        hand, starts, stops = [], [], []
        for _ in range(rounds):
            hand += by_hand(1)
            s, t = runtime(1)
            starts += s
            stops += t
        base = show("by hand: same processes in parallel", hand)
        ours = show("workbench local runtime: start to all-ready", starts)
        print(f"{'  ratio runtime / by hand':<44} {ours / base:6.2f}×           target ≤ 1.3×")
        show("stop (SIGTERM groups, SIGKILL stragglers)", stops, "< 0.5 s")
        show("workbench --help", cli(["--help"], rounds), "< 0.3 s")
        show("workbench labs list", cli(["labs", "list"], rounds), "< 0.3 s")


if __name__ == "__main__":
    main()
