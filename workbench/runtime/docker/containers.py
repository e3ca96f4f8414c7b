"""Turning specs into engine objects, starting them, and taking a failed start apart again.

Everything here talks to the engine through the SDK; what a container should look like is decided
in `specs`. Removal goes by the run's label (`workbench.dockerengine.removal`), so what a start
interrupted half-way created is found and removed as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import docker
from docker.errors import APIError, NotFound
from docker.models.containers import Container
from docker.types import Mount

from workbench.dockerengine import labels
from workbench.dockerengine.parallel import parallel
from workbench.dockerengine.removal import remove_labelled
from workbench.runtime.docker.specs import ContainerSpec, MountSpec, VolumeSpec


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
    return list(
        client.containers.list(all=True, filters=labels.run_filter(run_id), ignore_removed=True)
    )


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
            remove_labelled(client, labels.run_filter(run_id), stop_timeout=0)
        raise


def start_in_background(containers: list[Container], errors: dict[str, str]) -> None:
    """Start containers in parallel; a failure is recorded for the waits, not raised."""

    def start(container: Container) -> None:
        try:
            container.start()
        except APIError as exc:
            errors[container.labels[labels.SERVICE]] = str(exc.explanation or exc)[:300]

    parallel(start, containers)
