"""The networks of a run, and moving a service between them (partition and heal).

A run has one user-defined bridge network: services find each other there by DNS name (their
service name, an alias on this network). It is `internal` (no route out) unless the lab declares
`network.egress: true`. A partitioned service leaves it for the run's quarantine network, made on
first use, which only the edge shares: its peers cannot reach it, nor it them, while the host
still can (so its health, logs and admin endpoints stay observable, and faults can be cleared).
"""

from __future__ import annotations

import contextlib
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.models.containers import Container
from docker.models.networks import Network

from workbench.dockerengine import labels
from workbench.lab.model import Lab
from workbench.runtime.docker import names

QUARANTINE = "quarantine"


def lab_network_options(lab: Lab, run_id: str) -> dict[str, Any]:
    """How the run's lab network is created: internal (no egress) unless the lab allows it."""
    return {
        "name": names.network_name(lab.id, run_id),
        "driver": "bridge",
        "internal": not lab.network.egress,
        "labels": labels.run_labels(lab.id, run_id),
        "check_duplicate": True,
    }


def create_lab_network(client: docker.DockerClient, lab: Lab, run_id: str) -> Network:
    return client.networks.create(**lab_network_options(lab, run_id))


def quarantine_network(client: docker.DockerClient, lab_id: str, run_id: str) -> Network:
    """The run's quarantine network, created (internal, with the edge on it) on first use."""
    name = names.network_name(lab_id, run_id, QUARANTINE)
    found = client.networks.list(names=[name], filters=labels.run_filter(run_id))
    exact = [n for n in found if n.name == name]
    if exact:
        return exact[0]
    network = client.networks.create(
        name, driver="bridge", internal=True, labels=labels.run_labels(lab_id, run_id)
    )
    edge = client.containers.get(names.role_container_name(lab_id, run_id, "edge"))
    network.connect(edge)
    return network


def _attached(container: Container, network_name: str) -> bool:
    container.reload()
    return network_name in (container.attrs["NetworkSettings"]["Networks"] or {})


def partition(
    client: docker.DockerClient, lab_id: str, run_id: str, container: Container, alias: str
) -> None:
    """Move a container from the lab network to the quarantine network (idempotent)."""
    lab_network = names.network_name(lab_id, run_id)
    quarantine = quarantine_network(client, lab_id, run_id)
    if not _attached(container, quarantine.name):
        quarantine.connect(container, aliases=[alias])
    if _attached(container, lab_network):
        client.networks.get(lab_network).disconnect(container)


def heal(
    client: docker.DockerClient, lab_id: str, run_id: str, container: Container, alias: str
) -> None:
    """Undo `partition`: back on the lab network under its DNS name (idempotent)."""
    lab_network = names.network_name(lab_id, run_id)
    if not _attached(container, lab_network):
        client.networks.get(lab_network).connect(container, aliases=[alias])
    quarantine = names.network_name(lab_id, run_id, QUARANTINE)
    if _attached(container, quarantine):
        with contextlib.suppress(NotFound, APIError):
            client.networks.get(quarantine).disconnect(container)


def is_partitioned(container: Container, lab_id: str, run_id: str) -> bool:
    """Whether the (freshly reloaded) container sits on the quarantine network."""
    networks = container.attrs.get("NetworkSettings", {}).get("Networks") or {}
    return names.network_name(lab_id, run_id, QUARANTINE) in networks
