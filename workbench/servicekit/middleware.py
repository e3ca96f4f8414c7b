"""One ASGI middleware for every request: trace id, faults, served stats, one log line.

Pure ASGI (not BaseHTTPMiddleware): it adds no task per request, keeps streaming responses
intact, and the trace it binds is visible to the endpoint and to everything the endpoint calls.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workbench.servicekit.context import REQUEST_ID_HEADER, bound, trace_from_headers
from workbench.servicekit.errors import LearnerCodeError
from workbench.servicekit.learner import where_in
from workbench.servicekit.reset import close_without_answer

if TYPE_CHECKING:
    from workbench.servicekit.faults import FaultTable
    from workbench.servicekit.logs import KitLogger
    from workbench.servicekit.stats import Stats

FAULT_HEADER = "X-Workbench-Fault"
# Probes and admin calls are not the service's traffic: not counted, logged only at debug.
QUIET_PREFIXES = ("/health", "/ready", "/_admin")


RouteResolver = Callable[[Scope], str | None]


def json_body(
    status: int, payload: dict[str, Any], extra: list[tuple[bytes, bytes]]
) -> list[Message]:
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


async def buffered(receive: Receive) -> Receive:
    """Read the whole request body now; return a `receive` that replays it, then goes on."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            # Gone before the body arrived: there is nothing to do the work with, so the app
            # sees the disconnect as it would have without the buffering.
            first: Message = message
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return first

    return replay


class KitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: FaultTable,
        stats: Stats,
        log: KitLogger,
        resolve_route: RouteResolver,
        workspace: Path | None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.stats = stats
        self.log = log
        self.resolve_route = resolve_route
        self.workspace = workspace

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        trace = trace_from_headers(headers)
        path: str = scope.get("path", "")
        started = time.perf_counter()
        state = {"status": 500, "started": False}
        rid_header = (REQUEST_ID_HEADER.lower().encode(), trace.request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                message = {**message, "headers": [*message.get("headers", []), rid_header]}
            await send(message)

        counted = not path.startswith(QUIET_PREFIXES)
        if counted:
            self.stats.began()  # the gauge checks wait on before they judge counts
        try:
            with bound(trace):
                await self._serve(
                    scope, receive, send_with_id, state=state, path=path, started=started
                )
        finally:
            if counted:
                self.stats.ended()

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send_with_id: Send,
        *,
        state: dict[str, Any],
        path: str,
        started: float,
    ) -> None:
        decision = self.faults.decide(path, str(scope.get("method", "GET")))
        if decision.delay_s:
            if decision.fail_status is None:
                # Take the body in before the delay, as a slow server that has already read
                # the request would: a caller that gives up during the delay then loses only
                # the answer, while the work still happens (the ambiguity idempotency keys
                # exist for). Read after the delay, the body would be a disconnect and the
                # endpoint would never run.
                receive = await buffered(receive)
            await asyncio.sleep(decision.delay_s)
        if decision.reset:
            self.log.info("request", method=scope.get("method"), path=path,
                          status=None, fault="reset")  # fmt: skip
            self.stats.trace.note("request", method=scope.get("method"), path=path,
                                  fault="reset")  # fmt: skip
            await close_without_answer(receive)
            return
        if decision.fail_status is not None:
            kind = decision.fault_kind or ""
            payload = {
                "error": f"injected fault ({kind})",
                "fault": kind,
                "status": decision.fail_status,
            }
            for message in json_body(
                decision.fail_status, payload, [(FAULT_HEADER.lower().encode(), kind.encode())]
            ):
                await send_with_id(message)
            self._record(scope, path, decision.fail_status, started, fault=kind)
            return
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Answer here rather than in Starlette's outer error handler, so the answer
            # and the log line still carry the request id and point at the learner's line.
            if state["started"]:
                raise
            await self._crashed(exc, send_with_id)
        finally:
            self._record(scope, path, int(state["status"]), started)

    async def _crashed(self, exc: Exception, send: Send) -> None:
        if isinstance(exc, LearnerCodeError):
            where, error = exc.where, exc.message
        else:
            where = where_in(self.workspace, exc.__traceback__)
            error = f"{type(exc).__name__}: {exc}"
            if where:
                error = f"your code failed at {where}: {error}"
        self.log.exception("unhandled error", where=where)
        for message in json_body(500, {"error": error, "where": where}, []):
            await send(message)

    def _record(
        self, scope: Scope, path: str, status: int, started: float, fault: str | None = None
    ) -> None:
        ms = round((time.perf_counter() - started) * 1000, 1)
        fields: dict[str, Any] = {
            "method": scope.get("method"),
            "path": path,
            "status": status,
            "ms": ms,
        }
        if fault:
            fields["fault"] = fault
        if path.startswith(QUIET_PREFIXES):
            self.log.debug("request", **fields)
            return
        route = scope.get("route")
        template = getattr(route, "path", None)
        if not isinstance(template, str):
            template = self.resolve_route(scope) or path
        self.stats.served(template, status, ms)
        self.stats.trace.note("request", **fields)
        self.log.info("request", **fields)
