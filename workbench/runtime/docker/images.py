"""Helpers of the Docker runtime's start: baking, workspace checks, endpoints, readiness waits.

Split from `docker_runtime` to keep each module to one concern; nothing here holds state.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from docker.errors import APIError
from docker.models.containers import Container

from workbench.errors import WorkbenchError
from workbench.lab.model import ServiceKind
from workbench.runtime import docker_edge
from workbench.runtime import docker_labels as labels
from workbench.runtime import docker_specs as specs
from workbench.runtime.base import Deployment, Endpoint, Progress, ProgressCallback
from workbench.runtime.docker_containers import parallel
from workbench.runtime.docker_waits import ContainerWait, HttpWait, NatsWait, started_at

if TYPE_CHECKING:
    import docker

    from workbench.lab.model import Lab, Service


def bake(lab: Lab, report: ProgressCallback) -> dict[str, str]:
    from workbench.bakery.bake import ensure_images
    from workbench.bakery.progress import BakeEvent, BakePhase

    def on_bake(event: BakeEvent) -> None:
        if event.phase == BakePhase.CACHED:  # nothing to do: not worth a line on every start
            return
        detail = f"{event.image}: {event.phase}" + (f" {event.detail}" if event.detail else "")
        report(Progress(event.service or event.image, "baking", detail))

    return ensure_images(lab, on_bake)


def image_pythonpaths(client: docker.DockerClient, images: dict[str, str]) -> dict[str, str]:
    def one(tag: str) -> tuple[str, str | None]:
        env = client.images.get(tag).attrs.get("Config", {}).get("Env")
        return tag, specs.image_pythonpath(env)

    return {tag: path for tag, path in parallel(one, sorted(set(images.values()))) if path}


def check_readable(workspace: Path, limit: int = 5000) -> None:
    """The services read the bind-mounted workspace as uid 10001: it must be readable by others.

    A learner with `umask 077` would otherwise see "module not found" for a file that is there.
    """
    if os.getuid() == specs.SERVICE_UID:
        return
    unreadable: list[Path] = []
    for count, path in enumerate([workspace, *workspace.rglob("*")]):
        if count >= limit or len(unreadable) >= 5:
            break
        if any(part.startswith(".") for part in path.relative_to(workspace).parts):
            continue  # .git, .venv, editor files: not read by the services
        mode = path.stat().st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
        if mode & needed != needed:
            unreadable.append(path)
    if unreadable:
        shown = ", ".join(str(p) for p in unreadable)
        raise WorkbenchError(
            f"the services (user 10001 in their containers) cannot read {shown}",
            f"make the workspace readable: `chmod -R o+rX {workspace}` (or use `--runtime local`)",
        )


def published(edge: Container, lab: Lab) -> dict[str, int]:
    ports = edge.attrs["NetworkSettings"]["Ports"] or {}
    found: dict[str, int] = {}
    for route in docker_edge.routes(lab):
        bindings = ports.get(f"{route.listen}/tcp") or []
        if not bindings:
            raise WorkbenchError(f"the engine published no host port for {route.service!r}")
        found[route.service] = int(bindings[0]["HostPort"])
    return found


def endpoints(lab: Lab, ports: dict[str, int]) -> dict[str, Endpoint]:
    endpoints = {}
    for route in docker_edge.routes(lab):
        service = lab.service(route.service)
        url = f"{route.kind}://{docker_edge.LOOPBACK}:{ports[route.service]}"
        endpoints[route.service] = Endpoint(
            route.service, route.kind, url, specs.internal_url(lab, service)
        )
    return endpoints


def wait_for(
    service: Service,
    container: Container,
    deployment: Deployment,
    *,
    after: frozenset[str] = frozenset(),
    failed: set[str] | None = None,
    start_errors: dict[str, str] | None = None,
) -> ContainerWait:
    container.reload()
    port = int(deployment.extra["ports"][service.name])
    kind = NatsWait if service.kind is ServiceKind.NATS else HttpWait
    wait = kind(
        service.name, container, port, started_at(container), after=after,
        failed=set() if failed is None else failed,
        start_errors={} if start_errors is None else start_errors,
    )  # fmt: skip
    if isinstance(wait, HttpWait):
        wait.path = service.readiness
    return wait


def start_in_background(containers: list[Container], errors: dict[str, str]) -> None:
    """Start containers in parallel; a failure is recorded for the waits, not raised."""

    def start(container: Container) -> None:
        try:
            container.start()
        except APIError as exc:
            errors[container.labels[labels.SERVICE]] = str(exc.explanation or exc)[:300]

    parallel(start, containers)


def needs_of(service: Service) -> set[str]:
    needs = set(service.depends_on)
    if service.sidecar_of:
        needs.add(service.sidecar_of)
    return needs
