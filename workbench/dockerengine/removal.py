"""Removing what carries a label: the one way the workbench takes its objects off the engine.

Removal always goes by a label query (never by a list someone kept), so what a start interrupted
half-way created, or a killed CLI left behind, is found and removed as well. Used by the Docker
runtime (`down`, a failed start), `workbench gc` (a state folder's or every workbench's objects)
and the bakery (`workbench images --prune`, the left-over first stage of a base build).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import docker
from docker.errors import APIError, ImageNotFound, NotFound
from docker.models.containers import Container
from docker.models.networks import Network

from workbench.dockerengine.labels import KIND, REMOVAL_ORDER, Filters
from workbench.dockerengine.parallel import parallel


@dataclass(frozen=True)
class Removed:
    """What one removal took off the engine."""

    containers: int = 0
    networks: int = 0
    volumes: int = 0
    images: list[str] = field(default_factory=list)
    """Tags (or ids) of the images removed."""
    kept: list[tuple[str, str]] = field(default_factory=list)
    """(image, why) for images the engine would not remove, e.g. used by a container."""


def remove_labelled(
    client: docker.DockerClient,
    filters: Filters,
    *,
    stop_timeout: float = 1.0,
    images: bool = False,
) -> Removed:
    """Stop (gracefully, in parallel) and remove every container the filter finds, then its
    networks and volumes, then (with `images`) its images, children before parents.

    Order matters: a network with containers on it, a volume a container mounts and an image a
    container runs cannot be removed.
    """
    containers = list(client.containers.list(all=True, filters=filters, ignore_removed=True))

    def stop_and_remove(container: Container) -> None:
        if container.status == "paused":  # a paused container ignores SIGTERM until unpaused
            with contextlib.suppress(NotFound, APIError):
                container.unpause()
        if stop_timeout > 0 and container.status in ("running", "restarting", "paused"):
            stop_quietly(container, stop_timeout)
        remove_quietly(container)

    parallel(stop_and_remove, containers)
    networks = list(client.networks.list(filters=filters))
    volumes = list(client.volumes.list(filters=filters))
    parallel(_remove_network_or_volume, [*networks, *volumes])
    removed, kept = (
        remove_images(client, client.images.list(filters=filters)) if images else ([], [])
    )
    return Removed(len(containers), len(networks), len(volumes), removed, kept)


def remove_images(
    client: docker.DockerClient, images: Iterable[Any]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Remove these images (SDK image objects), children before parents by their kind label;
    returns (removed, kept with why). An image already gone counts as removed."""
    order = {kind.value: index for index, kind in enumerate(REMOVAL_ORDER)}
    todo = sorted(images, key=lambda image: order.get((image.labels or {}).get(KIND, ""), -1))
    removed: list[str] = []
    kept: list[tuple[str, str]] = []
    for image in todo:
        name = (image.tags or [image.short_id])[0]
        try:
            # By tag: removing by id refuses when an image has more than one tag.
            for ref in image.tags or [image.id]:
                client.images.remove(ref, noprune=False)
            removed.append(name)
        except ImageNotFound:
            removed.append(name)
        except APIError as exc:
            kept.append((name, str(exc.explanation or exc)))
    return removed, kept


def stop_quietly(container: Container, timeout: float) -> None:
    """Graceful stop (SIGTERM, SIGKILL after `timeout` s); a container already gone is fine."""
    with contextlib.suppress(NotFound, APIError):
        container.stop(timeout=max(0, round(timeout)))


def remove_quietly(container: Container) -> None:
    with contextlib.suppress(NotFound):
        try:
            container.remove(force=True, v=False)
        except APIError as exc:
            # "removal already in progress": another remover (a parallel gc) got there first.
            if exc.status_code != 409:
                raise


def _remove_network_or_volume(item: Any) -> None:
    if isinstance(item, Network):
        try:
            _remove_network(item)
        except APIError:  # still has endpoints (a container of ours we did not see): detach
            _disconnect_all(item)
            _remove_network(item)
    else:
        _remove_volume(item)


def _disconnect_all(network: Any) -> None:
    with contextlib.suppress(NotFound, APIError):
        network.reload()
        for container_id in network.attrs.get("Containers") or {}:
            with contextlib.suppress(NotFound, APIError):
                network.disconnect(container_id, force=True)


def _remove_network(network: Any) -> None:
    with contextlib.suppress(NotFound):
        network.remove()


def _remove_volume(volume: Any) -> None:
    with contextlib.suppress(NotFound):
        volume.remove(force=True)
