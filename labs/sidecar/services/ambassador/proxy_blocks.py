"""What your `ambassador.py` gets: the request, a way to send it upstream, and the settings.

The ambassador calls `await forward(request, send, config)` for every call legacy-app makes and
answers with the `Reply` it returns.

    request.method, .path, .query, .headers (lower-case names), .body
    request.upstream            the upstream the route names: "recommendations" or "payments"
    request.idempotency_key     the Idempotency-Key header, or None
    await send(upstream, request, timeout)
                                one try: sends the request to the upstream and returns its
                                `Reply` (.status, .headers, .body), whatever the status. It raises
                                `send.Timeout` when no answer came within `timeout` seconds
                                (None: wait as long as it takes) and `send.Unreachable` when the
                                upstream could not be reached. Each try holds one of the proxy's
                                8 slots (a connection pool) until its answer is in.
    send.answer(status, message, headers=None)
                                a `Reply` of your own, not from upstream (a 503, a 504).
    config                      the settings config holds now (a `Config`, new on every call):
                                .per_try_timeout_s, .attempts, .backoff_s, .breaker_threshold,
                                .breaker_cooldown_s, .bulkhead ({upstream: size}), .version
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

PROXY_SLOTS = 8
HOP_BY_HOP = {"host", "content-length", "connection", "keep-alive", "transfer-encoding",
              "x-request-id", "traceparent"}  # fmt: skip
"""Not passed on: the transport sets its own (the trace headers too, continuing the trace)."""


@dataclass(frozen=True)
class Config:
    per_try_timeout_s: float = 0.3
    attempts: int = 3
    backoff_s: float = 0.05
    breaker_threshold: int = 5
    breaker_cooldown_s: float = 1.0
    bulkhead: Mapping[str, int] = field(
        default_factory=lambda: {"recommendations": 4, "payments": 4}
    )
    version: int = 0

    @classmethod
    def of(cls, version: int, value: Mapping[str, Any]) -> Config:
        """The settings from config's answer; raises ValueError when one is out of range."""
        names = ("per_try_timeout_s", "attempts", "backoff_s", "breaker_threshold",
                 "breaker_cooldown_s")  # fmt: skip
        known = {k: value[k] for k in names if k in value}
        made = cls(**known, bulkhead=dict(value.get("bulkhead") or {}), version=version)
        if made.per_try_timeout_s <= 0 or made.attempts < 1 or made.backoff_s < 0:
            raise ValueError("a timeout, attempt count or back-off out of range")
        if made.breaker_threshold < 1 or made.breaker_cooldown_s <= 0:
            raise ValueError("a breaker setting out of range")
        if any(not isinstance(n, int) or n < 1 for n in made.bulkhead.values()):
            raise ValueError("a bulkhead size out of range")
        return made


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    upstream: str

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class UpstreamTimeout(Exception):
    """No answer within the timeout: the upstream may still be doing the work."""


class UpstreamUnreachable(Exception):
    """The upstream could not be reached (connection refused or dropped)."""


class Send:
    """`await send(upstream, request, timeout)`: one try, through one of the proxy's slots."""

    Timeout = UpstreamTimeout
    Unreachable = UpstreamUnreachable

    def __init__(self, client_for: Callable[[str], httpx.AsyncClient]) -> None:
        self._client_for = client_for
        self.slots = asyncio.Semaphore(PROXY_SLOTS)
        self.in_use = 0

    async def __call__(self, upstream: str, request: Request,
                       timeout: float | None) -> Reply:  # fmt: skip
        if not isinstance(request, Request):
            raise TypeError(f"send takes the Request forward() got, not {request!r}")
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        async with self.slots:
            self.in_use += 1
            try:
                response = await self._client_for(upstream).request(
                    request.method, request.path, params=request.query or None,
                    content=request.body or None, headers=headers, timeout=timeout,
                )  # fmt: skip
            except httpx.TimeoutException:
                raise UpstreamTimeout(f"{upstream} did not answer within {timeout} s") from None
            except httpx.TransportError as exc:
                why = type(exc).__name__
                raise UpstreamUnreachable(f"{upstream} unreachable ({why})") from None
            finally:
                self.in_use -= 1
        kept = {k: v for k, v in response.headers.items()
                if k.lower() in ("content-type", "x-workbench-fault")}  # fmt: skip
        return Reply(response.status_code, kept, response.content)

    @staticmethod
    def answer(status: int, message: str, headers: Mapping[str, str] | None = None) -> Reply:
        body = json.dumps({"error": message}).encode()
        return Reply(status, {"content-type": "application/json", **(headers or {})}, body)
