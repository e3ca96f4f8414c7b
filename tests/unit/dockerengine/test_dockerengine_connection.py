"""Finding the Docker engine: the ping over the unix socket (fake engines, no Docker needed),
the one "no engine" error, and `workbench gc` without an engine."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from workbench.dockerengine import connection


def _fake_engine(path: Path, reply: bytes) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(1024)
            conn.sendall(reply)

    threading.Thread(target=answer, daemon=True).start()
    return server


def test_engine_ping_over_the_unix_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sock_path = tmp_path / "docker.sock"
    server = _fake_engine(sock_path, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sock_path}")
    try:
        assert connection.engine_available()
    finally:
        server.close()


def test_engine_ping_says_no_fast_when_nothing_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'missing.sock'}")
    began = time.monotonic()
    assert not connection.engine_available()
    assert time.monotonic() - began < 0.5
    sock_path = tmp_path / "busy.sock"
    server = _fake_engine(sock_path, b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sock_path}")
    try:
        assert not connection.engine_available()
    finally:
        server.close()


def test_asking_for_docker_without_an_engine_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.errors import RuntimeUnavailableError

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'missing.sock'}")
    with pytest.raises(RuntimeUnavailableError) as caught:
        connection.connect(timeout=2)
    assert "--runtime local" in (caught.value.hint or "")
    assert "dockerd" in (caught.value.hint or "")
    assert caught.value.message.startswith("no Docker engine answers (")


def test_choosing_docker_without_an_engine_says_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.errors import RuntimeUnavailableError
    from workbench.runtime.select import get_runtime

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'missing.sock'}")
    with pytest.raises(RuntimeUnavailableError) as caught:
        get_runtime("docker")
    assert caught.value.message == connection.NO_ENGINE
    assert caught.value.hint == connection.NO_ENGINE_HINT


def test_gc_without_an_engine_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.runtime.docker import gc_all

    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'missing.sock'}")
    report = gc_all()
    assert not report.engine
    assert "no Docker engine" in str(report)
