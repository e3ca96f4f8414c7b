"""CQRS lab: check time, rebuild throughput and the consistency window, on the reference solution.

Figures and their ratio to the targets of issue 13, not tests (a loaded machine only prints slower
figures):

- every check of every exercise, lab already running: under 20 s local, 30 s Docker;
- a rebuild replaying 10,000 events: at least 1,000 events/s local (printed for Docker too);
- command -> view lag at 50 commands/s (placing an order until its view answers): p95 under
  200 ms local — the consistency window the theory page talks about;
- with `--selftest`, the self-test of the lab: under 150 s local.

    .venv/bin/python bench/bench_cqrs.py [--runtime local|docker|both] [--rounds N] [--events N]
                                         [--commands N] [--selftest]
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
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbench.checkrun.runner import run_checks  # noqa: E402
from workbench.lab import Lab, load_lab  # noqa: E402
from workbench.runtime.base import Deployment  # noqa: E402
from workbench.runtime.select import docker_available, get_runtime  # noqa: E402

CHECK_TARGET_S = {"local": 20.0, "docker": 30.0}
REBUILD_TARGET_PER_S = 1000.0
LAG_TARGET_P95_MS = 200.0
SELFTEST_TARGET_S = 150.0


def ratio(value: float, target: float, *, higher_is_better: bool = False) -> str:
    good = value >= target if higher_is_better else value <= target
    return f"ratio {value / target:.2f} ({'within' if good else 'OUTSIDE'} target)"


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


async def _publish_history(nats_url: str, count: int) -> int:
    """`count` events (order.created then order.approved per order); the last order's id."""
    import nats

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    base = 1_500_000_000 + int(time.time()) % 100_000 * 1000
    order_id = base
    try:
        for n in range(count // 2):
            order_id = base + n
            for version, kind in ((1, "order.created"), (2, "order.approved")):
                event_id = uuid.uuid4().hex
                body: dict[str, Any] = {
                    "event_id": event_id, "type": kind, "order_id": order_id,
                    "version": version, "at": "2025-01-01T10:00:00+00:00", "schema": 1,
                    "data": {"customer_id": f"c-bench-{n % 50}", "amount_cents": 100},
                }  # fmt: skip
                await js.publish(kind, _json(body), headers={"Nats-Msg-Id": event_id})
    finally:
        await nc.close()
    return order_id


def _json(body: dict[str, Any]) -> bytes:
    import json

    return json.dumps(body, separators=(",", ":")).encode()


def bench_rebuild(deployment: Deployment, name: str, count: int) -> None:
    assert deployment.nats_url is not None
    views = deployment.url("order-views")
    began = time.monotonic()
    last = asyncio.run(_publish_history(deployment.nats_url, count))
    print(f"[{name}] published {count} events in {time.monotonic() - began:.1f} s (not counted)")
    with httpx.Client(timeout=10.0) as http:
        deadline = time.monotonic() + 600
        while http.get(f"{views}/views/orders/{last}").status_code != 200:
            assert time.monotonic() < deadline, "the live views never caught up"
            time.sleep(0.2)
        print(f"[{name}] live views caught up after {time.monotonic() - began:.1f} s")
        http.post(f"{views}/_admin/rebuild", json={"hold_s": 0})
        while (status := http.get(f"{views}/_admin/rebuild").json())["state"] == "running":
            time.sleep(0.05)
    assert status["state"] == "done", status
    took = status["finished_at"] - status["started_at"]
    rate = status["events"] / took
    print(
        f"[{name}] rebuild of {status['events']} events in {took:.2f} s: {rate:,.0f} events/s, "
        f"{ratio(rate, REBUILD_TARGET_PER_S, higher_is_better=True)}"
    )


async def _lags(deployment: Deployment, commands: int, per_s: float) -> list[float]:
    orders, views = deployment.url("orders"), deployment.url("order-views")
    lags: list[float] = []
    async with httpx.AsyncClient(timeout=10.0) as http:

        async def one() -> None:
            began = time.monotonic()
            answer = await http.post(
                f"{orders}/orders", json={"customer_id": "c-lag", "amount_cents": 100}
            )
            order_id = answer.json()["id"]
            while (await http.get(f"{views}/views/orders/{order_id}")).status_code != 200:
                await asyncio.sleep(0.002)
            lags.append((time.monotonic() - began) * 1000)

        tasks = []
        for _ in range(commands):
            tasks.append(asyncio.create_task(one()))
            await asyncio.sleep(1 / per_s)
        await asyncio.gather(*tasks)
    return lags


def bench_lag(deployment: Deployment, name: str, commands: int) -> None:
    lags = sorted(asyncio.run(_lags(deployment, commands, 50.0)))
    p50 = lags[len(lags) // 2]
    p95 = lags[min(len(lags) - 1, int(len(lags) * 0.95))]
    print(
        f"[{name}] command -> view lag at 50 commands/s ({commands} orders): p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, max {lags[-1]:.0f} ms; {ratio(p95, LAG_TARGET_P95_MS)}"
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
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--commands", type=int, default=250)
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    lab = load_lab(REPO / "labs" / "cqrs")
    names = ["local", "docker"] if args.runtime == "both" else [args.runtime]
    for name in names:
        if name == "docker" and not docker_available():
            print("[docker] no Docker engine answers: skipped")
            continue
        bench_runtime(lab, name, args)


def bench_runtime(lab: Lab, name: str, args: argparse.Namespace) -> None:
    runtime = get_runtime(name)
    with tempfile.TemporaryDirectory(prefix="bench-cqrs-") as tmp:
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        (workspace / "projection.py").write_bytes((lab.solution_dir / "projection.py").read_bytes())
        started = time.monotonic()
        deployment = runtime.up(lab, workspace, deadline=180)
        print(f"[{name}] lab started in {time.monotonic() - started:.1f} s (not counted)")
        try:
            bench_checks(lab, workspace, deployment, name, args.rounds)
            bench_lag(deployment, name, args.commands)
            bench_rebuild(deployment, name, args.events)
        finally:
            runtime.down(deployment)
    if args.selftest:
        bench_selftest(lab, name)


if __name__ == "__main__":
    main()
