"""The Docker runtime's front door: `DockerRuntime`, `engine_available()` and `gc_all()`.

Importing this module costs nothing: `--runtime auto` asks `engine_available()` on every
`lab start`, and only when Docker is chosen does `DockerRuntime` (in `docker_runtime`, which
imports the `docker` SDK) get loaded. How a run is built is described in `docker_runtime`; why
the host reaches services through an edge container, in `docker_edge`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.runtime.docker_engine import engine_available
from workbench.runtime.docker_gc import DockerGcReport, gc_all, gc_run

if TYPE_CHECKING:
    from workbench.runtime.docker_runtime import DockerRuntime

__all__ = ["DockerGcReport", "DockerRuntime", "engine_available", "gc_all", "gc_run"]


def __getattr__(name: str) -> Any:
    if name == "DockerRuntime":
        from workbench.runtime.docker_runtime import DockerRuntime

        return DockerRuntime
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
