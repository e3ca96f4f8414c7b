"""Finding and connecting to the Docker engine: the one place that says "no engine answers".

`engine_available()` is on the CLI path of every `lab start` (`--runtime auto` asks it), so it does
not import the `docker` SDK (about 0.2 s of imports): it sends one `GET /_ping` over the engine's
unix socket with a short timeout. Only `connect()` imports the SDK.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from workbench.errors import RuntimeUnavailableError

if TYPE_CHECKING:
    import docker

DEFAULT_SOCKET = "/var/run/docker.sock"
PING_TIMEOUT = 0.5
TIMEOUT = 120.0
"""Seconds one engine call may take (a build step can be silent for a long while)."""
POOL_SIZE = 32
"""Pooled connections: enough for the parallel create/start/stop of a whole run."""

NO_ENGINE = "no Docker engine answers"
NO_ENGINE_HINT = (
    "start one (`sudo systemctl start docker`, or `sudo dockerd &` without systemd, or "
    "`sudo scripts/ensure-docker.sh`, which installs and starts it; on macOS/Windows open "
    "Docker Desktop), or use `--runtime local`, which needs no Docker"
)


def no_engine(reason: str = "") -> RuntimeUnavailableError:
    """The error every Docker path raises when no engine answers."""
    return RuntimeUnavailableError(NO_ENGINE + (f" ({reason})" if reason else ""), NO_ENGINE_HINT)


def first_line(exc: BaseException) -> str:
    """The first line of an SDK error, short enough for a message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _socket_path() -> str | None:
    """The unix socket DOCKER_HOST names (or the default); None for tcp:// and ssh:// engines."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host:
        return DEFAULT_SOCKET
    if host.startswith("unix://"):
        return host[len("unix://") :]
    return None


def _ping_unix(path: str, timeout: float) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(64)
    except OSError:
        return False
    status_line = reply.split(b"\r\n", 1)[0].split()
    return len(status_line) >= 2 and status_line[1] == b"200"


def engine_available(timeout: float = PING_TIMEOUT) -> bool:
    """Whether a Docker engine answers a ping within `timeout` seconds (fast, no SDK import)."""
    path = _socket_path()
    if path is not None:
        return _ping_unix(path, timeout)
    # A remote engine (tcp://, ssh://): the SDK knows TLS and ssh, we do not.
    try:
        import docker

        client = docker.from_env(timeout=max(1, int(timeout + 0.5)))
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def connect(timeout: float = TIMEOUT) -> docker.DockerClient:
    """A client for the engine DOCKER_HOST (or the default socket) names, checked with a ping;
    RuntimeUnavailableError saying how to get an engine when none answers."""
    import docker
    from docker.errors import DockerException

    try:
        client = docker.from_env(timeout=int(timeout), max_pool_size=POOL_SIZE)
        client.ping()
    except DockerException as exc:
        raise no_engine(first_line(exc)) from exc
    return client
