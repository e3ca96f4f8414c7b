"""shipper: a sidecar of legacy-app that ships its log to the collector with your shipper.py.

It shares legacy-app's network namespace and reads the `app-logs` volume read-only; its offsets
live in its own DATA_DIR. The loop calls `await shipper.ship_once(logs, collector, offsets)`
(see `ship_blocks.py`).

API: `GET /_admin/loop` -> `{running, rounds, shipped, last_error}`; `POST /_admin/loop
{"running": false}` stops the loop (answering once the round under way has finished), `true`
starts it again. Crash points `after-send`, `after-save`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from typing import Any

from pydantic import BaseModel
from ship_blocks import Collector, Logs, Offsets

from workbench.servicekit import ServiceKit, where_in

kit = ServiceKit()
app = kit.app
shipper = kit.learner_module("shipper", requires=["ship_once"])
kit.declare_crash_points("after-send", "after-save")

IDLE_S = 0.1
MAX_BACKOFF_S = 1.0


async def _after_send(name: str) -> None:
    await kit.crash_point(name)


def _after_save(name: str) -> None:
    kit.crash_point_now(name)


logs = Logs(kit.settings.volume("app-logs"))
collector = Collector(lambda: kit.peer("collector"), _after_send)
offsets = Offsets(kit.settings.data_path(), _after_save)


class Loop:
    def __init__(self) -> None:
        self.running = asyncio.Event()
        self.running.set()
        self.idle = asyncio.Event()  # set while no round is under way
        self.idle.set()
        self.rounds = 0
        self.last_error: dict[str, Any] | None = None
        self.task: asyncio.Task[None] | None = None

    async def round(self) -> int:
        self.idle.clear()
        try:
            result = shipper.ship_once(logs, collector, offsets)
            if inspect.isawaitable(result):
                result = await result
            return int(result or 0)
        finally:
            self.rounds += 1
            self.idle.set()

    async def run(self) -> None:
        backoff = IDLE_S
        while True:
            await self.running.wait()
            try:
                shipped = await self.round()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                where = where_in(kit.settings.workspace, exc.__traceback__)
                self.last_error = {"error": f"{type(exc).__name__}: {exc}", "where": where,
                                   "at": time.time()}  # fmt: skip
                kit.log.warning("ship_once failed", error=self.last_error["error"], where=where)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = IDLE_S
            # Yield even after a busy round: a ship_once that never awaits and keeps returning
            # more than 0 must not hold the event loop (the service would stop answering).
            await asyncio.sleep(IDLE_S if not shipped else 0)


loop = Loop()


@kit.on_startup
async def start_loop() -> None:
    loop.task = asyncio.get_running_loop().create_task(loop.run())


@kit.on_shutdown
async def stop_loop() -> None:
    if loop.task is not None:
        loop.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop.task


@kit.readiness_check
async def volume_mounted() -> str | None:
    folder = kit.settings.volume("app-logs")
    return None if folder.is_dir() else f"the app-logs volume is not mounted at {folder}"


@kit.problem_list("shipping")
def shipping_problems() -> list[dict[str, Any]]:
    return [loop.last_error] if loop.last_error else []


class LoopState(BaseModel):
    running: bool


def _state() -> dict[str, Any]:
    return {"running": loop.running.is_set(), "rounds": loop.rounds,
            "batches": collector.batches, "shipped": collector.lines,
            "last_error": loop.last_error}  # fmt: skip


@app.get("/_admin/loop")
async def loop_state() -> dict[str, Any]:
    return _state()


@app.post("/_admin/loop")
async def set_loop(body: LoopState) -> dict[str, Any]:
    if body.running:
        loop.running.set()
    else:
        loop.running.clear()
        await loop.idle.wait()
    return _state()
