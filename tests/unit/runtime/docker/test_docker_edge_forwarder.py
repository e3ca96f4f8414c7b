"""The edge's forwarder, run as the edge container runs it (`python -c <source>` with
WB_FORWARD), against real sockets on this machine (no Docker needed)."""

from __future__ import annotations

import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from workbench.runtime.docker import edge
from workbench.runtime.docker.edge_forwarder import parse_routes


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    for sock in socks:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in socks]
    for sock in socks:
        sock.close()
    return ports


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data.upper())


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def start_forwarder(routes: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "WB_FORWARD": routes}
    proc = subprocess.Popen(
        [sys.executable, "-c", edge.forwarder_source()], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    assert b"edge forwarding" in proc.stdout.readline()
    return proc


def test_parse_routes() -> None:
    assert parse_routes("10000=orders:8000, 10001=broker:4222,") == {
        10000: ("orders", 8000),
        10001: ("broker", 4222),
    }


def test_forwards_bytes_both_ways_and_closes_when_the_target_is_down(echo_port: int) -> None:
    listen, dead_listen, dead_target = free_ports(3)
    proc = start_forwarder(f"{listen}=localhost:{echo_port},{dead_listen}=127.0.0.1:{dead_target}")
    try:
        with socket.create_connection(("127.0.0.1", listen), timeout=3) as sock:
            payload = b"hello edge " * 20000  # larger than one read chunk
            sender = threading.Thread(target=sock.sendall, args=(payload,))
            sender.start()
            received = b""
            while len(received) < len(payload):
                chunk = sock.recv(65536)
                assert chunk, "the forwarder closed the connection early"
                received += chunk
            sender.join()
            assert received == payload.upper()
        # Nothing listens behind the second route: the client sees the connection closed at
        # once, which a readiness probe reads as "not ready" (never a hang).
        with socket.create_connection(("127.0.0.1", dead_listen), timeout=3) as sock:
            began = time.monotonic()
            assert sock.recv(10) == b""
            assert time.monotonic() - began < 2
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_forwarder_refuses_to_start_without_routes() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WB_FORWARD"}
    done = subprocess.run(
        [sys.executable, "-c", edge.forwarder_source()], env=env, capture_output=True,
        timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert b"WB_FORWARD" in done.stderr
