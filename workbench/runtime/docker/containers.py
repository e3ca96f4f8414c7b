"""Turning specs into engine objects, and taking a run's objects apart again.

Everything here talks to the engine through the SDK; what a container should look like is decided
in `docker_specs`. Removal always goes by label query (never by a list we kept), so what a start
interrupted half-way created is found and removed as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import docker
from docker.errors import APIError, NotFound
from docker.models.containers import Container
from docker.models.networks import Network
from docker.types import Mount

from workbench.runtime import docker_labels as labels
from workbench.runtime.docker_specs import ContainerSpec, MountSpec, VolumeSpec

T = TypeVar("T")
R = TypeVar("R")

POOL = 16
"""Threads for parallel engine calls; the client keeps a connection pool at least this big."""


def parallel(func: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`func` over `items` in threads, results in order; the first exception is re-raised."""
    todo = list(items)
    if len(todo) <= 1:
        return [func(item) for item in todo]
    with ThreadPoolExecutor(max_workers=min(POOL, len(todo))) as pool:
        return list(pool.map(func, todo))


def _mount(spec: MountSpec) -> Mount:
    if spec.kind == "bind":
        return Mount(spec.target, spec.source, type="bind", read_only=spec.read_only)
    # Copy-up stays on: a fresh volume takes the owner of the image's folder (see primer_specs).
    return Mount(spec.target, spec.source, type="volume", read_only=spec.read_only)


def create_kwargs(client: docker.DockerClient, spec: ContainerSpec) -> dict[str, Any]:
    """Keyword arguments of `client.containers.create` for one spec."""
    kwargs: dict[str, Any] = {
        "name": spec.name,
        "command": spec.command,
        "labels": spec.labels,
        "environment": spec.environment,
        "mounts": [_mount(m) for m in spec.mounts],
        "user": spec.user,
        "read_only": spec.read_only,
        "tmpfs": spec.tmpfs,
        "cap_drop": spec.cap_drop,
        "security_opt": spec.security_opt,
        "mem_limit": spec.mem_limit,
        "pids_limit": spec.pids_limit,
        "init": True,  # tini as pid 1: signals reach uvicorn's reloader, zombies are reaped
        "stop_signal": "SIGTERM",
    }
    if spec.cap_add:
        kwargs["cap_add"] = spec.cap_add
    if spec.hostname:
        kwargs["hostname"] = spec.hostname
    if spec.working_dir:
        kwargs["working_dir"] = spec.working_dir
    if spec.ports:
        kwargs["ports"] = spec.ports
    if spec.network_mode:
        kwargs["network_mode"] = spec.network_mode
    elif spec.network:
        kwargs["network"] = spec.network
        kwargs["networking_config"] = {
            spec.network: client.api.create_endpoint_config(aliases=spec.aliases or None)
        }
    return kwargs


def create(client: docker.DockerClient, spec: ContainerSpec) -> Container:
    container = client.containers.create(spec.image, **create_kwargs(client, spec))
    for network in spec.also_on:
        client.networks.get(network).connect(container)
    return container


def create_volume(client: docker.DockerClient, spec: VolumeSpec) -> None:
    client.volumes.create(name=spec.name, labels=spec.labels)


def run_containers(client: docker.DockerClient, run_id: str) -> list[Container]:
    return list(client.containers.list(all=True, filters=labels.run_filter(run_id)))


def log_tail(container: Container, lines: int = 30, since: Any = None) -> list[str]:
    """The container's last log lines (stdout and stderr), never raising."""
    try:
        kwargs: dict[str, Any] = {"tail": lines}
        if since is not None:
            kwargs["since"] = since
        raw: bytes = container.logs(**kwargs)
    except (APIError, NotFound):
        return []
    return raw.decode("utf-8", "replace").splitlines()[-lines:]


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


def remove_by_filter(
    client: docker.DockerClient, filters: dict[str, list[str]], *, stop_timeout: float = 1.0
) -> dict[str, int]:
    """Stop (gracefully, in parallel) and remove every container, then networks and volumes.

    Returns how many of each kind were removed. Order matters: a network with containers on it
    and a volume a container mounts cannot be removed.
    """
    containers = list(client.containers.list(all=True, filters=filters))

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
    return {"containers": len(containers), "networks": len(networks), "volumes": len(volumes)}


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


@contextlib.contextmanager
def removed_on_failure(
    client: docker.DockerClient, run_id: str, *, keep: tuple[type[BaseException], ...] = ()
) -> Iterator[None]:
    """Remove everything labelled with the run when the body raises (start failed half-way).

    Also on KeyboardInterrupt: a Ctrl-C during a start leaves nothing behind. Only a `kill -9`
    skips this, and `workbench gc` covers that case by the same labels. Exceptions of the `keep`
    types leave the run as it is (a service failed to start; the others keep running).
    """
    try:
        yield
    except keep:
        raise
    except BaseException:
        with contextlib.suppress(Exception):
            remove_by_filter(client, labels.run_filter(run_id), stop_timeout=0)
        raise
