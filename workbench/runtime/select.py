"""Choosing a runtime: `auto` (Docker when an engine answers, else local), `local`, `docker`.

Both runtime packages are cheap to import: the Docker runtime's face pings the engine without the
Docker SDK, which is loaded only when `DockerRuntime` is asked for.
"""

from __future__ import annotations

from workbench.dockerengine.connection import no_engine
from workbench.errors import WorkbenchError
from workbench.runtime import docker
from workbench.runtime.base import Deployment, Runtime
from workbench.runtime.local import LocalRuntime

NAMES = ("auto", "local", "docker")


def docker_available() -> bool:
    """A Docker engine answers (a fast ping, no SDK import)."""
    return docker.engine_available()


def get_runtime(name: str = "auto") -> Runtime:
    if name not in NAMES:
        raise WorkbenchError(f"unknown runtime {name!r}", f"choose one of: {', '.join(NAMES)}")
    if name == "local" or (name == "auto" and not docker_available()):
        return LocalRuntime()
    if name == "docker" and not docker.engine_available():
        raise no_engine()
    runtime: Runtime = docker.DockerRuntime()
    return runtime


def runtime_for(deployment: Deployment) -> Runtime:
    """The runtime that made a run (never `auto`: a run belongs to one runtime)."""
    return get_runtime(deployment.runtime)
