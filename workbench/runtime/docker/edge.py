"""The edge: how the host reaches the services of a run on an internal network.

Why a container and not published ports: a lab network is `internal` (no egress) unless the lab
asks otherwise, and Docker publishes no ports for containers on an internal network. On Linux the
host could still reach container addresses directly, but Docker Desktop (macOS, Windows) cannot.
So each run gets one small edge container, on the lab network *and* on the engine's default
bridge, which publishes one 127.0.0.1 port per service (the engine picks free host ports) and
forwards TCP to the service by its DNS name (`edge_forwarder`, handed to the base image's python
as `python -c <its source>`, so nothing needs baking or mounting).
We use the default bridge rather than a bridge per run because every run would otherwise take a
second address pool from the engine's small default set (about 30 networks), and the edge is the
only container of a run on it (other containers on the default bridge can reach the edge's
ports, as the host can; the lab network itself stays closed). One path for every lab: with
`network.egress: true` the lab network is a normal bridge, and the edge still does the publishing.

A sidecar shares its main service's network namespace and cannot publish ports: its route targets
the main service's name with the sidecar's port. A partitioned service leaves the lab network for
a quarantine network the edge also joins, so the host still sees it while its peers do not.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from workbench.dockerengine import labels
from workbench.lab.model import Lab, ServiceKind
from workbench.runtime.docker import edge_forwarder, names
from workbench.runtime.docker.specs import ContainerSpec, dns_name, python_command

EDGE_FIRST_PORT = 10000
DEFAULT_BRIDGE = "bridge"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Route:
    service: str
    listen: int
    """Port the edge listens on inside its container (published on a free 127.0.0.1 port)."""
    host: str
    port: int
    kind: str
    """`http` or `nats`: the URL scheme and the readiness probe."""


def routes(lab: Lab) -> list[Route]:
    """One route per service, in lab order, on consecutive edge ports."""
    return [
        Route(
            service=service.name,
            listen=EDGE_FIRST_PORT + index,
            host=dns_name(lab, service),
            port=service.container_port,
            kind="nats" if service.kind is ServiceKind.NATS else "http",
        )
        for index, service in enumerate(lab.services)
    ]


def forward_spec(edge_routes: list[Route]) -> str:
    """The forwarder's `WB_FORWARD` value: `10000=orders:8000,10001=broker:4222`."""
    return ",".join(f"{r.listen}={r.host}:{r.port}" for r in edge_routes)


def forwarder_source() -> str:
    """The edge container's program, passed to `python -c` (see `edge_forwarder`)."""
    return inspect.getsource(edge_forwarder)


def edge_spec(lab: Lab, run_id: str, image: str, *, network: str) -> ContainerSpec:
    edge_routes = routes(lab)
    return ContainerSpec(
        name=names.role_container_name(lab.id, run_id, "edge"),
        service="edge",
        image=image,
        command=python_command(forwarder_source()),
        labels=labels.run_labels(lab.id, run_id, role="edge"),
        environment={"WB_FORWARD": forward_spec(edge_routes), "PYTHONUNBUFFERED": "1"},
        network=network,
        aliases=["edge"],
        also_on=[DEFAULT_BRIDGE],
        ports={f"{r.listen}/tcp": (LOOPBACK, None) for r in edge_routes},
        mem_limit="64m",
        pids_limit=64,
        stop_timeout=1,
    )
