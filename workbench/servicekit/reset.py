"""Closing a request's connection without an answer (the `reset` fault).

ASGI has no message for "drop the connection": an app that returns without answering gets a 500
from the server. So the kit's app remembers, per request, the server's own `send` (uvicorn's
request cycle, which holds the connection's transport), and the fault aborts that transport with
SO_LINGER 0: the caller sees a TCP reset, as when a proxy or a dying host drops a connection.
Outside uvicorn (a test client) there is no connection to drop, and the request raises
`ConnectionResetError` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from contextvars import ContextVar
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

_server_send: ContextVar[Send | None] = ContextVar("workbench_server_send", default=None)

DISCONNECT_WAIT_S = 1.0


class KitApp(FastAPI):
    """FastAPI that keeps the server's `send` of the request being handled (see module doc)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _server_send.set(send)
        try:
            await super().__call__(scope, receive, send)
        finally:
            _server_send.reset(token)


def _transport() -> Any:
    server_send = _server_send.get()
    cycle = getattr(server_send, "__self__", None)
    return getattr(cycle, "transport", None)


async def close_without_answer(receive: Receive) -> None:
    """Reset the connection of the current request; raises ConnectionResetError when there is
    no server connection to reset (an in-process test client)."""
    transport = _transport()
    if transport is None or not hasattr(transport, "abort"):
        raise ConnectionResetError("injected fault (reset): connection closed without an answer")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: closing sends RST at once instead of a FIN after pending data.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    # Return only once the server knows the connection is gone, so it does not try to answer
    # (uvicorn would log "returned without starting response" and write a 500 to nobody).
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(DISCONNECT_WAIT_S):
            while (await receive())["type"] != "http.disconnect":
                pass
