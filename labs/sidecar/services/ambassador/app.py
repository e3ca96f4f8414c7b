"""ambassador: a sidecar of legacy-app, its proxy for every outgoing call.

legacy-app calls `AMBASSADOR_URL` (its own loopback, port 9000); each call is routed by its path
to an upstream and handed to your `ambassador.py` `forward(request, send, config)` (see
`proxy_blocks.py`). The settings come from the config service, read every 0.5 s; the one current
when a call arrives is passed with it.

- any path under `/recommendations` -> recommendations, `/payments` -> payments; any other path
  -> 404 `no route for /x`, nobody called.
- `GET /info` -> `{"boot_id", "config_version", "config", "slots_in_use"}`.
- `POST /_admin/config/refresh` -> read config now (checks use it not to wait for the poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import uuid
from typing import Any

import httpx
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse, Response
from proxy_blocks import Config, Reply, Request, Send

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app
ambassador = kit.learner_module("ambassador", requires=["forward"])

ROUTES = {"/recommendations": "recommendations", "/payments": "payments"}
POLL_S = 0.5
BOOT_ID = uuid.uuid4().hex[:12]

send = Send(kit.peer)


class Settings:
    def __init__(self) -> None:
        self.current = Config()
        self.problem: str | None = None
        self.task: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self.lock:
            try:
                answer = await kit.peer("config").get("/kv/ambassador", timeout=1.0)
                answer.raise_for_status()
                data = answer.json()
                fresh = Config.of(int(data["version"]), data["value"])
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                # Keep the last good settings: a config outage must not undo the tuning.
                self.problem = f"config unreadable ({type(exc).__name__}: {exc})"
                return
            self.problem = None
            if fresh.version != self.current.version:
                kit.log.info("settings changed", version=fresh.version)
                self.current = fresh

    async def poll(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(POLL_S)


settings = Settings()


@kit.on_startup
async def start_polling() -> None:
    settings.task = asyncio.get_running_loop().create_task(settings.poll())


@kit.on_shutdown
async def stop_polling() -> None:
    if settings.task is not None:
        settings.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await settings.task


@kit.problem_list("config")
def config_problems() -> list[dict[str, Any]]:
    return [{"problem": settings.problem}] if settings.problem else []


def _info() -> dict[str, Any]:
    config = dataclasses.asdict(settings.current)
    return {"boot_id": BOOT_ID, "config_version": settings.current.version, "config": config,
            "slots_in_use": send.in_use}  # fmt: skip


@app.get("/info")
async def info() -> dict[str, Any]:
    return _info()


@app.post("/_admin/config/refresh")
async def refresh() -> dict[str, Any]:
    await settings.refresh()
    return _info()


def _upstream(path: str) -> str | None:
    for prefix, upstream in ROUTES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return upstream
    return None


@app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def proxy(path: str, http: HttpRequest) -> Response:
    full = "/" + path
    upstream = _upstream(full)
    if upstream is None:
        return JSONResponse({"error": f"no route for {full}"}, status_code=404)
    request = Request(
        method=http.method, path=full, query=http.url.query,
        headers={k.lower(): v for k, v in http.headers.items()},
        body=await http.body(), upstream=upstream,
    )  # fmt: skip
    reply = ambassador.forward(request, send, settings.current)
    if inspect.isawaitable(reply):
        reply = await reply
    if not isinstance(reply, Reply):
        return JSONResponse(
            {"error": f"ambassador.py forward() returned {type(reply).__name__}, not the Reply "
                      "of send() or send.answer()"}, status_code=500)  # fmt: skip
    return Response(reply.body, status_code=reply.status, headers=dict(reply.headers))
