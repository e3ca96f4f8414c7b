"""The kit's own endpoints: /health, /ready, /_admin/problems, /_admin/faults, /_admin/crash,
/_admin/stats."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from workbench.servicekit.crash import ArmError, CrashPoints
from workbench.servicekit.faults import FaultSpec, FaultTable
from workbench.servicekit.stats import Stats

BOOT_ID = f"{os.getpid()}-{secrets.token_hex(4)}"
"""Names this process: a service that reloaded (a learner saved a file) answers with a new one."""

ReadinessProbe = Callable[[], Awaitable[list[str]]]
StallReport = Callable[[], list[dict[str, Any]]]


def admin_router(
    service: str,
    faults: FaultTable,
    stats: Stats,
    problems: ReadinessProbe,
    crash: CrashPoints,
    *,
    stalls: StallReport = list,
    extra: Callable[[], dict[str, Any]] = dict,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness: the process answers. Says nothing about its dependencies."""
        return {"status": "ok", "service": service, "boot": BOOT_ID}

    @router.get("/ready")
    async def ready() -> JSONResponse:
        """Readiness: 200 when every check passes, else 503 with the reasons."""
        found = await problems()
        return JSONResponse(
            {"ready": not found, "service": service, "problems": found},
            status_code=503 if found else 200,
        )

    @router.get("/_admin/problems")
    async def list_problems() -> dict[str, Any]:
        """What `/ready` says, always 200, plus every remembered event-loop stall with its age
        and the service's own problem lists (`kit.problem_list`)."""
        return {
            **extra(),
            "service": service,
            "problems": await problems(),
            "stalls": stalls(),
        }

    @router.get("/_admin/faults")
    async def list_faults() -> dict[str, Any]:
        return {"service": service, "faults": [f.as_dict() for f in faults.list()]}

    @router.post("/_admin/faults", status_code=201)
    async def add_fault(spec: FaultSpec) -> dict[str, Any]:
        return faults.add(spec).as_dict()

    @router.delete("/_admin/faults")
    async def clear_faults() -> dict[str, Any]:
        return {"cleared": faults.clear()}

    @router.delete("/_admin/faults/{fault_id}")
    async def remove_fault(fault_id: int) -> dict[str, Any]:
        if not faults.remove(fault_id):
            raise HTTPException(404, f"no active fault with id {fault_id}")
        return {"cleared": 1}

    @router.get("/_admin/crash")
    async def crash_state() -> dict[str, Any]:
        return crash.state()

    @router.post("/_admin/crash", status_code=201)
    async def arm_crash(request: Request) -> dict[str, Any]:
        # The body is validated here, not by a pydantic model, so that every refusal is one
        # sentence naming the points this service knows (FastAPI's 422 would list fields only).
        try:
            body = await request.json()
        except ValueError:
            body = None
        try:
            crash.arm(body)
        except ArmError as exc:
            raise HTTPException(422, str(exc)) from None
        return crash.state()

    @router.delete("/_admin/crash")
    async def disarm_crash() -> dict[str, Any]:
        return {**crash.state(), "cleared": crash.disarm(), "armed": []}

    @router.get("/_admin/trace")
    async def trace_of(request_id: str, limit: int = 20000) -> dict[str, Any]:
        """What the service did for one request id (a check's), oldest first."""
        return {"service": service, "records": stats.trace.of(request_id, limit)}

    @router.get("/_admin/stats")
    async def get_stats() -> dict[str, Any]:
        return stats.snapshot()

    @router.delete("/_admin/stats")
    async def reset_stats() -> dict[str, Any]:
        stats.reset()
        return {"reset": True}

    return router


async def run_checks(
    checks: list[tuple[str, Callable[[], Awaitable[bool | str | None]]]], timeout: float
) -> list[str]:
    """Run readiness checks concurrently; each returns True/None (fine), False or a problem."""

    async def one(name: str, check: Callable[[], Awaitable[bool | str | None]]) -> str | None:
        try:
            result = await asyncio.wait_for(check(), timeout)
        except TimeoutError:
            return f"{name}: no answer within {timeout:g} s"
        except Exception as exc:
            return f"{name}: {type(exc).__name__}: {exc}"
        if result is True or result is None or result == "":
            return None
        if result is False:
            return f"{name} failed"
        return str(result)

    results = await asyncio.gather(*(one(name, check) for name, check in checks))
    return [r for r in results if r]
