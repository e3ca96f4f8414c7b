"""The Docker runtime: every service of a lab in its own hardened container.

This package's face is cheap to import: `--runtime auto` asks `engine_available()` on every
`lab start`, and only when Docker is chosen is `DockerRuntime` (in `runtime`, which imports the
`docker` SDK) loaded. The engine itself (connecting, labels, removal) is `workbench.dockerengine`.

Modules: `runtime` (the `Runtime` for Docker: start, stop, status, faults), `specs` (containers
as data) and `names`, `images` (baking, image PYTHONPATHs), `workspace` (can the containers read
it), `gate` (start order), `containers` (engine calls), `network` (networks, partition),
`edge` (host access; `edge_forwarder` runs inside the edge container), `endpoints`, `waits`
(readiness), `status`, `logs`, `gc`, `sandbox` (learner code outside the services, e.g. the
import pre-check of `workbench check`, in a throw-away hardened container).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.dockerengine.connection import engine_available
from workbench.runtime.docker.gc import DockerGcReport, gc_all, gc_run

if TYPE_CHECKING:
    from workbench.runtime.docker.runtime import DockerRuntime

__all__ = ["DockerGcReport", "DockerRuntime", "engine_available", "gc_all", "gc_run"]


def __getattr__(name: str) -> Any:
    if name == "DockerRuntime":
        from workbench.runtime.docker.runtime import DockerRuntime

        return DockerRuntime
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
