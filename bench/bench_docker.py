"""Docker runtime: warm start of the fixture shop (4 services + NATS) to all-ready, against the
local runtime on the same lab in the same run, and stop + clean-up (issue 3).

Targets: Docker warm start at most 1.5x the local runtime; stop + clean-up under 2 s. "Warm"
means the images are baked (the first round bakes what is missing and is not counted). Rounds
alternate local and Docker so both see the same machine load. Also printed: where a Docker start
spends its time (bake check, set-up, each service). Not a test: nothing fails on a slow machine.

Read the ratio together with the load average it prints. On a cgroup v1 engine (Debian's
docker.io here) every container sits in the engine's one `docker` cgroup, which competes for CPU
as a single weight against each busy host process: on a machine other work keeps busy, the
containers together get a small share and the Docker figure grows with the load, while the local
runtime's processes compete one by one. Measured on a quiet machine, the ratio is the runtime's.

    .venv/bin/python bench/bench_docker.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "tests" / "fixtures" / "labs" / "shop"
sys.path.insert(0, str(REPO))
START_RATIO_TARGET = 1.5
STOP_TARGET = 2.0


def readable_workspace(tmp: Path) -> Path:
    """The solution as the learner's workspace, readable by the container user."""
    workspace = tmp / "workspace"
    shutil.copytree(SHOP / "solution", workspace)
    for folder in [tmp, workspace]:
        folder.chmod(0o755)
    return workspace


def one_round(
    runtime: object, lab: object, workspace: Path
) -> tuple[float, float, dict[str, float]]:
    """(start to all-ready, stop + clean-up, time of each progress phase) for one start/stop."""
    marks: dict[str, float] = {}
    began = time.perf_counter()

    def on_progress(progress: object) -> None:
        phase = getattr(progress, "phase", "")
        key = f"{getattr(progress, 'service', '')}:{phase}"
        if phase in ("starting", "ready") and key not in marks:
            marks[key] = time.perf_counter() - began

    deployment = runtime.up(lab, workspace, on_progress=on_progress, deadline=120)  # type: ignore[attr-defined]
    started = time.perf_counter() - began
    began = time.perf_counter()
    runtime.down(deployment)  # type: ignore[attr-defined]
    stopped = time.perf_counter() - began
    return started, stopped, marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-docker-") as tmp_name:
        tmp = Path(tmp_name)
        os.environ["WORKBENCH_STATE_DIR"] = str(tmp / "state")
        from workbench.lab import load_lab
        from workbench.runtime.docker import engine_available

        if not engine_available():
            print("no Docker engine answers: nothing to measure")
            return 1
        from workbench.runtime.docker import DockerRuntime
        from workbench.runtime.local import LocalRuntime

        lab = load_lab(SHOP)
        workspace = readable_workspace(tmp)
        docker_rt, local_rt = DockerRuntime(), LocalRuntime()

        began = time.perf_counter()
        from workbench.bakery.bake import ensure_images

        ensure_images(lab)
        print(f"bake (whatever was missing): {time.perf_counter() - began:.2f} s")
        began = time.perf_counter()
        ensure_images(lab)
        print(f"no-op bake check:            {time.perf_counter() - began:.2f} s")
        one_round(docker_rt, lab, workspace)  # warm-up: page cache, first container starts
        one_round(local_rt, lab, workspace)

        results: dict[str, list[tuple[float, float, dict[str, float]]]] = {
            "local": [],
            "docker": [],
        }
        for _ in range(args.rounds):
            results["local"].append(one_round(local_rt, lab, workspace))
            results["docker"].append(one_round(docker_rt, lab, workspace))

    print(f"\nfixture shop (4 services + NATS), {args.rounds} rounds, warm images")
    medians = {}
    for name, rounds in results.items():
        starts = [r[0] for r in rounds]
        stops = [r[1] for r in rounds]
        medians[name] = (statistics.median(starts), statistics.median(stops))
        print(
            f"  {name:<7} start to all-ready: median {medians[name][0]:5.2f} s "
            f"(min {min(starts):5.2f}, max {max(starts):5.2f})   "
            f"stop + clean-up: median {medians[name][1]:5.2f} s (max {max(stops):5.2f})"
        )
    ratio = medians["docker"][0] / medians["local"][0]
    verdict = "ok" if ratio <= START_RATIO_TARGET else "over target"
    print(f"  docker/local start ratio: {ratio:.2f}x (target <= {START_RATIO_TARGET}x: {verdict})")
    stop = medians["docker"][1]
    print(
        f"  docker stop + clean-up: {stop:.2f} s (target < {STOP_TARGET} s: "
        f"{'ok' if stop < STOP_TARGET else 'over target'})"
    )
    print("\nwhere a Docker start spends its time (median seconds since the call):")
    keys = sorted(
        {k for r in results["docker"] for k in r[2]},
        key=lambda k: statistics.median(r[2].get(k, 0.0) for r in results["docker"]),
    )
    for key in keys:
        at = statistics.median(r[2].get(k, 0.0) for r in results["docker"] for k in [key])
        local_at = [r[2][key] for r in results["local"] if key in r[2]]
        local_text = f"   local {statistics.median(local_at):5.2f}" if local_at else ""
        print(f"  {key:<22} docker {at:5.2f}{local_text}")
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    print(f"\nload average now: {load:.1f} on {cores} cores")
    if load > cores:
        print("  (a busy machine: on cgroup v1 the containers share one CPU weight against every")
        print("   busy host process, so the Docker figure is inflated; see the docstring)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
