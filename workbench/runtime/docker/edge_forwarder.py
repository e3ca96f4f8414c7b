"""Runs inside the edge container (not in the workbench): a small asyncio TCP forwarder.

`edge.forwarder_source()` hands this module's source to `python -c` in the edge container (the
base image's python; nothing is baked or mounted), so it must stay self-contained: no imports
outside the standard library, nothing from the workbench. It reads `WB_FORWARD`, a comma
separated list of `listen_port=host:port`, listens on every listen port and pipes each accepted
connection to its target. The target's name is resolved per connection (Docker's DNS), so a
restarted or partitioned service is found at its new address. When the target does not answer, the
client's connection is closed at once, which readiness probes read as "not ready yet".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable

CHUNK = 65536


def parse_routes(spec: str) -> dict[int, tuple[str, int]]:
    """`"10000=orders:8000,10001=broker:4222"` -> {10000: ("orders", 8000), ...}."""
    routes: dict[int, tuple[str, int]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        listen, _, target = item.partition("=")
        host, _, port = target.rpartition(":")
        routes[int(listen)] = (host, int(port))
    return routes


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError):
            writer.close()


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _handler(host: str, port: int) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), timeout=3
            )
        except (TimeoutError, OSError):
            writer.close()
            return
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            up_writer.close()
            writer.close()

    return handle


async def serve(routes: dict[int, tuple[str, int]], bind: str = "0.0.0.0") -> None:
    servers = [
        await asyncio.start_server(_handler(host, port), bind, listen, reuse_address=True)
        for listen, (host, port) in routes.items()
    ]
    print(f"edge forwarding {len(servers)} ports", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main() -> None:
    routes = parse_routes(os.environ.get("WB_FORWARD", ""))
    if not routes:
        print("WB_FORWARD names no routes", file=sys.stderr)
        sys.exit(2)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(routes))


if __name__ == "__main__":
    main()
