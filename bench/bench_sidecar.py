"""Sidecar lab: shipping delay, the ambassador's cost, the breaker's speed and retries under
errors, on the reference solution.

Figures and their ratio to the targets of issue 14, not tests (a loaded machine only prints
slower figures):

- write-to-collector delay at 200 lines/s (a line written by legacy-app until the collector has
  it): p95 under 500 ms local;
- the ambassador's overhead per call: its own route latency minus its upstream call's (p50, from
  its kit's histograms): under 3 ms local;
- an open breaker's answer: p95 under 20 ms;
- GETs answered 200 under `error_rate 0.3` with 3 attempts: about 97 % (1 - 0.3^3);
- every check of every exercise, lab already running: under 30 s local, 45 s Docker;
- with `--selftest`, the self-test of the lab: under 150 s local.

    .venv/bin/python bench/bench_sidecar.py [--runtime local|docker|both] [--rounds N]
                                            [--lines N] [--calls N] [--selftest]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbench.checkrun.runner import run_checks  # noqa: E402
from workbench.lab import Lab, load_lab  # noqa: E402
from workbench.runtime import faults  # noqa: E402
from workbench.runtime.base import Deployment  # noqa: E402
from workbench.runtime.select import docker_available, get_runtime  # noqa: E402

CHECK_TARGET_S = {"local": 30.0, "docker": 45.0}
SHIP_TARGET_P95_MS = 500.0
OVERHEAD_TARGET_P50_MS = 3.0
OPEN_TARGET_P95_MS = 20.0
RETRY_EXPECTED = 1 - 0.3**3
SELFTEST_TARGET_S = 150.0


def ratio(value: float, target: float, *, higher_is_better: bool = False) -> str:
    good = value >= target if higher_is_better else value <= target
    return f"ratio {value / target:.2f} ({'within' if good else 'OUTSIDE'} target)"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def bench_checks(lab: Lab, workspace: Path, deployment: Deployment, name: str, rounds: int) -> None:
    totals: list[float] = []
    for n in range(1, rounds + 1):
        began = time.monotonic()
        run = run_checks(
            lab, workspace, deployment=deployment, exercises=None, stop_at_failure=False
        )
        totals.append(time.monotonic() - began)
        counts = run.counts()
        print(
            f"[{name}] checks round {n}: {totals[-1]:5.2f} s ({counts['passed']} passed, "
            f"{counts['failed']} failed, {counts['error']} errors)"
        )
        for result in run.results:
            if not result.ok:
                print(f"    ! {result.name}: {result.message}")
    median = statistics.median(totals)
    print(f"[{name}] checks median {median:.2f} s: {ratio(median, CHECK_TARGET_S[name])}")


async def _ship_delays(deployment: Deployment, lines: int, per_s: float) -> list[float]:
    app, collector = deployment.url("legacy-app"), deployment.url("collector")
    text = f"bench-{uuid.uuid4().hex[:8]}"
    written: dict[str, float] = {}
    seen: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=10.0) as http:

        async def write(n: int) -> None:
            began = time.monotonic()
            answer = await http.post(f"{app}/_admin/write", json={"lines": [f"{text} #{n}"]})
            written[answer.json()["lines"][0]] = began

        async def watch() -> None:
            while len(seen) < lines:
                got = (await http.get(f"{collector}/lines", params={"contains": text})).json()
                now = time.monotonic()
                for line in got["lines"]:
                    seen.setdefault(line["text"], now)
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        writes = []
        for n in range(lines):
            writes.append(asyncio.create_task(write(n)))
            await asyncio.sleep(1 / per_s)
        await asyncio.gather(*writes)
        await asyncio.wait_for(watcher, timeout=30)
    return [(seen[t] - began) * 1000 for t, began in written.items()]


def bench_shipping(deployment: Deployment, name: str, lines: int) -> None:
    delays = asyncio.run(_ship_delays(deployment, lines, 200.0))
    p95 = pct(delays, 0.95)
    print(
        f"[{name}] write -> collector at 200 lines/s ({lines} lines): p50 {pct(delays, 0.5):.0f} "
        f"ms, p95 {p95:.0f} ms; {ratio(p95, SHIP_TARGET_P95_MS)}"
    )


def bench_overhead(deployment: Deployment, name: str, calls: int) -> None:
    """The ambassador's own time per call: its route latency minus its upstream call's."""
    ambassador = deployment.url("ambassador")
    with httpx.Client(timeout=10.0) as http:
        http.delete(f"{ambassador}/_admin/stats")
        for n in range(calls):
            http.get(f"{ambassador}/recommendations/bench-{n % 20}")
        stats = http.get(f"{ambassador}/_admin/stats").json()
    route = stats["latency"]["routes"]["/{path:path}"]
    upstream = stats["latency"]["peers"]["recommendations"]
    overhead = route["p50_ms"] - upstream["p50_ms"]
    print(
        f"[{name}] ambassador overhead per call ({calls} GETs): route p50 {route['p50_ms']:.2f} ms "
        f"- upstream p50 {upstream['p50_ms']:.2f} ms = {overhead:.2f} ms; "
        f"{ratio(max(overhead, 0.0), OVERHEAD_TARGET_P50_MS)}"
    )


def _configure(http: httpx.Client, deployment: Deployment, **settings: object) -> None:
    http.delete(f"{deployment.url('config')}/kv/ambassador")
    if settings:
        http.put(f"{deployment.url('config')}/kv/ambassador", json=settings)
    http.post(f"{deployment.url('ambassador')}/_admin/config/refresh")


def bench_open_breaker(deployment: Deployment, name: str, calls: int) -> None:
    app = deployment.url("legacy-app")
    with httpx.Client(timeout=10.0) as http:
        _configure(http, deployment, attempts=1, breaker_cooldown_s=300)
        faults.inject(deployment, "recommendations", "error_rate", rate=1.0)
        try:
            for _ in range(5):
                http.get(f"{app}/recommendations/opening")
            took = []
            for _ in range(calls):
                began = time.perf_counter()
                answer = http.get(f"{app}/recommendations/open")
                took.append((time.perf_counter() - began) * 1000)
                assert answer.headers.get("x-circuit") == "open", answer.status_code
        finally:
            faults.clear(deployment)
            _configure(http, deployment, breaker_cooldown_s=0.05)
            time.sleep(0.1)
            http.get(f"{app}/recommendations/closing")
            _configure(http, deployment)
    p95 = pct(took, 0.95)
    print(
        f"[{name}] open breaker answer ({calls} calls through legacy-app): p50 "
        f"{pct(took, 0.5):.1f} ms, p95 {p95:.1f} ms; {ratio(p95, OPEN_TARGET_P95_MS)}"
    )


def bench_retries(deployment: Deployment, name: str, calls: int) -> None:
    app = deployment.url("legacy-app")
    with httpx.Client(timeout=10.0) as http:
        # The breaker out of the way: this measures the retries alone.
        _configure(http, deployment, breaker_threshold=10_000)
        faults.inject(deployment, "recommendations", "error_rate", rate=0.3)
        try:
            ok = sum(
                http.get(f"{app}/recommendations/retry-{n}").status_code == 200
                for n in range(calls)
            )
        finally:
            faults.clear(deployment)
            _configure(http, deployment)
    share = ok / calls
    print(
        f"[{name}] GETs answered 200 under error_rate 0.3 with 3 attempts ({calls} calls): "
        f"{share:.1%} (expected about {RETRY_EXPECTED:.1%}); "
        f"{ratio(share, RETRY_EXPECTED - 0.03, higher_is_better=True)}"
    )


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
    parser.add_argument("--runtime", choices=("local", "docker", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    lab = load_lab(REPO / "labs" / "sidecar")
    names = ["local", "docker"] if args.runtime == "both" else [args.runtime]
    for name in names:
        if name == "docker" and not docker_available():
            print("[docker] no Docker engine answers: skipped")
            continue
        bench_runtime(lab, name, args)


def bench_runtime(lab: Lab, name: str, args: argparse.Namespace) -> None:
    runtime = get_runtime(name)
    with tempfile.TemporaryDirectory(prefix="bench-sidecar-") as tmp:
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        for file in ("shipper.py", "ambassador.py"):
            (workspace / file).write_bytes((lab.solution_dir / file).read_bytes())
        started = time.monotonic()
        deployment = runtime.up(lab, workspace, deadline=180)
        print(f"[{name}] lab started in {time.monotonic() - started:.1f} s (not counted)")
        try:
            bench_shipping(deployment, name, args.lines)
            bench_overhead(deployment, name, args.calls)
            bench_open_breaker(deployment, name, args.calls)
            bench_retries(deployment, name, args.calls)
            bench_checks(lab, workspace, deployment, name, args.rounds)
        finally:
            runtime.down(deployment)
    if args.selftest:
        bench_selftest(lab, name)


if __name__ == "__main__":
    main()
