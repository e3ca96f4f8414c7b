"""Where the host reaches each service of a run: the edge's published ports, as endpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from docker.models.containers import Container

from workbench.errors import WorkbenchError
from workbench.runtime.base import Endpoint
from workbench.runtime.docker import edge, specs

if TYPE_CHECKING:
    from workbench.lab.model import Lab


def published(edge_container: Container, lab: Lab) -> dict[str, int]:
    """Service -> the 127.0.0.1 port the engine published for it on the (reloaded) edge."""
    ports = edge_container.attrs["NetworkSettings"]["Ports"] or {}
    found: dict[str, int] = {}
    for route in edge.routes(lab):
        bindings = ports.get(f"{route.listen}/tcp") or []
        if not bindings:
            raise WorkbenchError(f"the engine published no host port for {route.service!r}")
        found[route.service] = int(bindings[0]["HostPort"])
    return found


def endpoints(lab: Lab, ports: dict[str, int]) -> dict[str, Endpoint]:
    """Each service's endpoint: its host URL through the edge, and its URL inside the network."""
    result = {}
    for route in edge.routes(lab):
        service = lab.service(route.service)
        url = f"{route.kind}://{edge.LOOPBACK}:{ports[route.service]}"
        result[route.service] = Endpoint(
            route.service, route.kind, url, specs.internal_url(lab, service)
        )
    return result
