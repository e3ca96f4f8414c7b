"""Free loopback ports for local services.

The kernel picks each port (bind to port 0); all ports of a run are reserved together and released
just before the services start, so two services of one run never get the same port. Another
program may still grab a port in that short window: the service then fails to bind and is reported
like any other start failure.
"""

from __future__ import annotations

import contextlib
import socket
import time

from workbench.errors import WorkbenchError

HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """`count` distinct ports that are free on 127.0.0.1 right now."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def is_listening(port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=timeout):
        return True
    return False


def require_free(port: int, service: str, within: float = 5.0) -> None:
    """Restart keeps a service's port so URLs stay stable; say so clearly when it was taken.

    The old process may still be closing its listening socket (a killed process on a loaded
    machine takes a moment to exit), so the port gets a short grace before it counts as taken.
    """
    give_up = time.monotonic() + within
    while not is_free(port) and time.monotonic() < give_up:
        time.sleep(0.02)
    if not is_free(port):
        raise WorkbenchError(
            f"port {port} of service {service!r} is in use by another program",
            f"free the port (e.g. `ss -ltnp 'sport = :{port}'` shows who holds it), or stop and "
            "start the lab again to get new ports",
        )
