"""Choosing a runtime: `auto` (Docker when an engine answers, else local), `local`, `docker`.

The Docker runtime is imported only when asked for or probed, so local-only commands never load
the Docker SDK. Until `workbench.runtime.docker` exists, `auto` means local.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from workbench.errors import RuntimeUnavailableError, WorkbenchError
from workbench.runtime.base import Deployment, Runtime

NAMES = ("auto", "local", "docker")
DOCKER_MODULE = "workbench.runtime.docker"


def _docker_module() -> ModuleType | None:
    if importlib.util.find_spec(DOCKER_MODULE) is None:
        return None
    return importlib.import_module(DOCKER_MODULE)


def docker_available() -> bool:
    """The Docker runtime is installed here and its engine answers."""
    module = _docker_module()
    probe = getattr(module, "engine_available", None) if module else None
    return bool(probe and probe())


def get_runtime(name: str = "auto") -> Runtime:
    if name not in NAMES:
        raise WorkbenchError(f"unknown runtime {name!r}", f"choose one of: {', '.join(NAMES)}")
    if name == "local" or (name == "auto" and not docker_available()):
        from workbench.runtime.local import LocalRuntime

        return LocalRuntime()
    module = _docker_module()
    if module is None:
        raise RuntimeUnavailableError(
            "the Docker runtime is not part of this workbench yet",
            "use `--runtime local` (needs no Docker)",
        )
    if name == "docker" and not module.engine_available():
        raise RuntimeUnavailableError(
            "no Docker engine answers",
            "start one (`sudo systemctl start docker`, or `sudo dockerd &` without systemd; on "
            "macOS/Windows open Docker Desktop), or use `--runtime local`, which needs no Docker",
        )
    runtime: Runtime = module.DockerRuntime()
    return runtime


def runtime_for(deployment: Deployment) -> Runtime:
    """The runtime that made a run (never `auto`: a run belongs to one runtime)."""
    return get_runtime(deployment.runtime)
