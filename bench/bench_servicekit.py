"""Service kit: what it costs a service, next to a bare FastAPI app.

Prints figures and ratios (not a test; nothing fails on a slow machine):
- import CPU time of `workbench.servicekit` vs `fastapi` alone (a floor for every service start);
- per-request time through the kit's middleware (request id, faults, stats, log line) vs bare;
- JetStream event latency, publish -> handler, through the kit with a real nats-server;
- time from SIGTERM to exit for a bare uvicorn app and for a kit service with a NATS consumer.

    .venv/bin/python bench/bench_servicekit.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from servicekit_support import free_port, nats_server  # noqa: E402


def import_cpu(module: str, rounds: int) -> float:
    """Median user+sys CPU seconds of a fresh interpreter importing `module`."""
    samples = []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(samples)


async def per_request_us(app: object, n: int) -> float:
    import httpx

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        for _ in range(50):
            await client.get("/items/1")
        # CPU time of this process: other users of a shared machine do not inflate it.
        started = time.process_time()
        for i in range(n):
            await client.get(f"/items/{i}")
        return (time.process_time() - started) / n * 1e6


def request_overhead(n: int) -> tuple[float, float, float]:
    from fastapi import FastAPI

    from workbench.servicekit import FaultSpec, ServiceKit, Settings

    bare = FastAPI()
    kit = ServiceKit(settings=Settings.from_env("bench", env={}))
    faulted = ServiceKit(settings=Settings.from_env("bench", env={}))
    faulted.faults.add(FaultSpec(kind="latency", latency_ms=1000, route="/elsewhere"))
    for app in (bare, kit.app, faulted.app):

        @app.get("/items/{item_id}")
        async def item(item_id: int) -> dict[str, int]:
            return {"id": item_id}

    # Interleaved rounds, best of each: the machine is shared, and noise only ever adds time.
    best = [float("inf")] * 3
    with redirect_stdout(io.StringIO()):  # the kit's log lines are part of the cost, not output
        for _ in range(3):
            for i, app in enumerate((bare, kit.app, faulted.app)):
                best[i] = min(best[i], asyncio.run(per_request_us(app, n)))
    return best[0], best[1], best[2]


async def event_latency(nats_url: str, n: int) -> list[float]:
    from workbench.servicekit import Event, ServiceKit, Settings

    kit = ServiceKit(settings=Settings.from_env("bench", env={"NATS_URL": nats_url}))
    arrived: dict[str, float] = {}
    done = asyncio.Event()

    @kit.consumer("bench.event")
    async def handle(event: Event) -> None:
        arrived[event.data["i"]] = time.perf_counter()
        if len(arrived) == n:
            done.set()

    async with kit.app.router.lifespan_context(kit.app):
        while not all(c.subscribed for c in kit.messaging.consumers):
            await asyncio.sleep(0.01)
        sent = {}
        for i in range(n):
            sent[str(i)] = time.perf_counter()
            await kit.publish("bench.event", {"i": str(i)}, msg_id=f"e{i}")
            await asyncio.sleep(0.005)  # one at a time: latency, not throughput
        await asyncio.wait_for(done.wait(), 30)
    return [(arrived[k] - sent[k]) * 1000 for k in sent]


BARE_APP = "from fastapi import FastAPI\napp = FastAPI()\n"
KIT_APP = textwrap.dedent("""\
    from workbench.servicekit import Event, ServiceKit
    kit = ServiceKit()
    app = kit.app

    @kit.consumer("stop.event")
    async def handle(event: Event) -> None:
        pass
""")


def stop_seconds(code: str, env: dict[str, str], rounds: int) -> float:
    import httpx

    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "app.py").write_text(code)
        for _ in range(rounds):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app:app", "--port", str(port)],
                cwd=tmp,
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.02)
            time.sleep(0.3)  # let the consumer subscribe
            started = time.perf_counter()
            proc.terminate()
            proc.wait()
            samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()

    fastapi_cpu = import_cpu("fastapi", args.rounds)
    kit_cpu = import_cpu("workbench.servicekit", args.rounds)
    print(
        f"import CPU   fastapi {fastapi_cpu:.3f} s   servicekit {kit_cpu:.3f} s   "
        f"ratio {kit_cpu / fastapi_cpu:.2f}"
    )

    bare, kit, faulted = request_overhead(args.requests)
    print(
        f"per request  CPU bare {bare:.0f} µs   kit {kit:.0f} µs   kit+unmatched fault "
        f"{faulted:.0f} µs   ratio {kit / bare:.2f}   (in-process, {args.requests} GETs)"
    )

    with tempfile.TemporaryDirectory() as tmp, nats_server(Path(tmp)) as url:
        with redirect_stdout(io.StringIO()):
            lat = sorted(asyncio.run(event_latency(url, args.events)))
        p50, p95 = lat[len(lat) // 2], lat[int(len(lat) * 0.95)]
        print(
            f"event        publish -> handler p50 {p50:.2f} ms   p95 {p95:.2f} ms   "
            f"max {lat[-1]:.2f} ms   ({args.events} events)"
        )
        bare_stop = stop_seconds(BARE_APP, {}, args.rounds)
        kit_stop = stop_seconds(KIT_APP, {"SERVICE_NAME": "bench", "NATS_URL": url}, args.rounds)
    print(
        f"stop         bare uvicorn {bare_stop:.3f} s   kit + consumer {kit_stop:.3f} s   "
        f"ratio {kit_stop / bare_stop:.2f}"
    )


if __name__ == "__main__":
    main()
