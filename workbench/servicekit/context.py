"""The request id and W3C trace context of the work being done right now (per asyncio task).

An incoming request sets them (from `X-Request-ID` / `traceparent`, or fresh); log lines read them;
outgoing httpx calls and published events carry them on, so one id follows a request through
every service it touches.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

REQUEST_ID_HEADER = "X-Request-ID"
TRACEPARENT_HEADER = "traceparent"

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


@dataclass(frozen=True)
class Trace:
    request_id: str
    trace_id: str
    """32 hex digits (W3C trace-id); equal to request_id when we created the id ourselves."""

    def outgoing_headers(self) -> dict[str, str]:
        # A new span id per hop; the trace id stays the same across the whole request.
        return {
            REQUEST_ID_HEADER: self.request_id,
            TRACEPARENT_HEADER: f"00-{self.trace_id}-{secrets.token_hex(8)}-01",
        }


_current: ContextVar[Trace | None] = ContextVar("servicekit_trace", default=None)


def new_trace() -> Trace:
    tid = secrets.token_hex(16)
    return Trace(request_id=tid, trace_id=tid)


def trace_from_headers(headers: Mapping[str, str]) -> Trace:
    """Continue the caller's trace if it sent one (either header), else start a new one."""
    rid = headers.get(REQUEST_ID_HEADER) or headers.get(REQUEST_ID_HEADER.lower())
    parent = headers.get(TRACEPARENT_HEADER) or headers.get(TRACEPARENT_HEADER.title())
    match = _TRACEPARENT.match(parent.strip().lower()) if parent else None
    trace_id = match.group(1) if match else None
    if rid and not _SAFE_ID.match(rid):
        rid = None  # never echo arbitrary bytes into logs and headers
    if rid and trace_id:
        return Trace(rid, trace_id)
    if rid:
        return Trace(rid, rid if re.fullmatch(r"[0-9a-f]{32}", rid) else secrets.token_hex(16))
    if trace_id:
        return Trace(trace_id, trace_id)
    return new_trace()


def current() -> Trace | None:
    return _current.get()


def current_request_id() -> str | None:
    trace = _current.get()
    return trace.request_id if trace else None


@contextmanager
def unbound() -> Iterator[None]:
    """No trace inside the block: for long-lived work started during a request (a connection
    and its reconnect callbacks) that must not carry that request's id forever."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def bound(trace: Trace) -> Iterator[Trace]:
    """Make `trace` current for the code inside the block (and tasks it starts)."""
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)
