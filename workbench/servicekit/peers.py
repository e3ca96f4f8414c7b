"""Outgoing HTTP: clients for peer services that carry the trace and count every call.

Both come from one transport wrapper, so a call counts however it was made: through
`kit.peer("inventory")` (base URL from `INVENTORY_URL`) or through `kit.http()` with a raw URL
whose host:port is a peer's (then it counts as that peer; any other host counts as `host:port`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

from workbench.servicekit.config import Settings, host_port
from workbench.servicekit.context import current, new_trace

if TYPE_CHECKING:
    from workbench.servicekit.stats import Stats

# Labs run on one machine: a peer that takes longer than this is a fault a lab injected on
# purpose, and the caller should see it fail rather than hang a check.
DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# uvicorn closes a connection idle for 5 s (`timeout_keep_alive`). A pooled connection kept as
# long is sometimes reused just as the server closes it, and the call fails with "Server
# disconnected without sending a response": a fault nobody injected. Forgetting idle
# connections well before the server does rules that out.
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20,
                              keepalive_expiry=2.0)  # fmt: skip


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


class TracingTransport(httpx.AsyncBaseTransport):
    """Adds X-Request-ID/traceparent to each request and records the call in the stats."""

    def __init__(self, settings: Settings, stats: Stats, inner: httpx.AsyncBaseTransport) -> None:
        self._settings = settings
        self._stats = stats
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        trace = current() or new_trace()
        for key, value in trace.outgoing_headers().items():
            # A caller that set its own id on purpose keeps it.
            if key not in request.headers:
                request.headers[key] = value
        url = str(request.url)
        peer = self._settings.peer_for(url) or host_port(url)
        started = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException as exc:
            ms = _ms_since(started)
            self._stats.called(peer, None, ms)
            self._trace(request, peer, ms, error=type(exc).__name__)
            raise
        # Until the answer's head arrived: the body is read later, by the caller, if at all.
        ms = _ms_since(started)
        self._stats.called(peer, response.status_code, ms)
        self._trace(request, peer, ms, status=response.status_code)
        return response

    def _trace(
        self,
        request: httpx.Request,
        peer: str,
        ms: float,
        *,
        status: int | None = None,
        error: str | None = None,
    ) -> None:
        self._stats.trace.note(
            "call",
            peer=peer,
            method=request.method,
            path=request.url.path,
            status=status,
            error=error,
            ms=ms,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class PeerClients:
    """One pooled client per peer (and one for raw URLs), closed when the service stops."""

    def __init__(self, settings: Settings, stats: Stats) -> None:
        self._settings = settings
        self._stats = stats
        self._clients: dict[str | None, httpx.AsyncClient] = {}

    def transport(self) -> TracingTransport:
        # Limits belong to the transport that pools (a client's own are ignored when it is
        # given a transport).
        inner = httpx.AsyncHTTPTransport(limits=DEFAULT_LIMITS)
        return TracingTransport(self._settings, self._stats, inner)

    def peer(self, name: str) -> httpx.AsyncClient:
        # Per-call timeouts go on the call: `await client.get("/x", timeout=0.5)`.
        client = self._clients.get(name)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                base_url=self._settings.peer_url(name),
                transport=self.transport(),
                timeout=DEFAULT_TIMEOUT,
            )
            self._clients[name] = client
        return client

    def http(self) -> httpx.AsyncClient:
        client = self._clients.get(None)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(transport=self.transport(), timeout=DEFAULT_TIMEOUT)
            self._clients[None] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
