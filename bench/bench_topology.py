"""Topology benchmark: figures and ratios to the targets of issue 5.

1. layout + render of a generated 200-node / 400-edge graph (target < 100 ms): the full canvas
   (every service, wider than the screen, for scrolling) and the default view (contexts
   collapsed to fit 120 columns);
2. building the graph of every shipped lab and the fixture shop (target < 20 ms);
3. CPU of `workbench graph shop --live` refreshing at 1 Hz against the running fixture lab on
   the local runtime (target < 5% of one core), measured from /proc over 10 s of refreshes.

Run: .venv/bin/python bench/bench_topology.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbench.drawing import render  # noqa: E402
from workbench.lab import list_labs, load_lab  # noqa: E402
from workbench.topology import build_graph, synthetic  # noqa: E402

SHOP = REPO / "tests" / "fixtures" / "labs" / "shop"


def timed(fn: object, runs: int) -> float:
    """Median wall time of `fn()` in ms."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def report(name: str, value: float, target: float, unit: str) -> None:
    ratio = value / target
    verdict = "ok" if ratio < 1 else "OVER"
    print(
        f"  {name:<52} {value:8.2f} {unit:<3} target < {target:g} {unit}  "
        f"ratio {ratio:5.2f}  {verdict}"
    )


def bench_render() -> None:
    print("layout + render, generated graph of 200 services / 400 edges")
    flat = synthetic(200, 400, contexts=0)
    grouped = synthetic(200, 400, contexts=12)
    full = render(flat, 120)
    report(
        f"full canvas ({full.width}x{full.height}, no contexts)",
        timed(lambda: render(flat, 120), 7),
        100,
        "ms",
    )
    view = render(grouped, 120)
    report(
        f"default view, 12 contexts collapsed ({view.width}x{view.height})",
        timed(lambda: render(grouped, 120), 7),
        100,
        "ms",
    )
    expanded = render(grouped, 120, collapse="never")
    report(
        f"contexts expanded, --full ({expanded.width}x{expanded.height})",
        timed(lambda: render(grouped, 120, collapse="never"), 7),
        100,
        "ms",
    )
    text = timed(full.rich, 7)
    print(f"  (turning the full canvas into a rich Text adds {text:.1f} ms)")


def bench_build() -> None:
    print("building the graph of each lab")
    labs = [entry.lab for entry in list_labs() if entry.lab is not None]
    labs.append(load_lab(SHOP))
    for lab in labs:
        report(
            f"{lab.id} ({len(lab.services)} services)",
            timed(lambda lab=lab: build_graph(lab), 50),
            20,
            "ms",
        )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_live() -> None:
    print("`workbench graph shop --live` at 1 Hz against the running fixture lab")
    from workbench.runtime.local import LocalRuntime

    env = {**os.environ, "WORKBENCH_LABS_PATH": str(SHOP.parent), "COLUMNS": "120"}
    os.environ.update(WORKBENCH_LABS_PATH=env["WORKBENCH_LABS_PATH"])
    runtime = LocalRuntime()
    deployment = runtime.up(load_lab(SHOP), SHOP / "solution", deadline=90)
    try:
        proc = subprocess.Popen(
            [str(REPO / ".venv" / "bin" / "workbench"), "graph", "shop", "--live"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            time.sleep(4)  # start-up (imports, first frame) is not the steady cost
            cpu0, t0 = _cpu_seconds(proc.pid), time.monotonic()
            time.sleep(10)
            cpu1, t1 = _cpu_seconds(proc.pid), time.monotonic()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        share = (cpu1 - cpu0) / (t1 - t0) * 100
        report("CPU of the refreshing CLI process (% of one core)", share, 5, "%")
    finally:
        runtime.down(deployment)


if __name__ == "__main__":
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    bench_render()
    bench_build()
    if "--no-live" not in sys.argv:
        bench_live()
