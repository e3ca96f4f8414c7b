"""The Docker runtime: every service of a lab in its own hardened container, through the SDK.

A run is: one lab network (internal unless the lab allows egress), one labelled volume per
service's DATA_DIR and per declared volume, an edge container publishing a 127.0.0.1 port per
service (see `edge` for why), and one container per service named
`wb-<lab>-<service>-<hex>` (`names`). Everything is labelled `io.workbench.*`
(`workbench.dockerengine.labels`), so `gc_all()` finds what a killed CLI left.

Start: images are baked when missing (`workbench.bakery.bake.ensure_images`); the network,
volumes and containers are created in parallel (fresh volumes take the service user as owner from
the images' mount points, see `specs.primer_specs`). Then every container starts at once
behind the start gate (`gate`): each imports its libraries, and loads its own code when
the services it depends on are ready. Readiness (HTTP readiness path, NATS greeting) is probed
through the edge under one deadline. A service that crashes or never gets ready is reported with
its log tail (`StartFailedError`); the others keep running, and services that depend on it are
started but not waited for.

Hardening of every container: user 10001, read-only root, tmpfs /tmp, all capabilities dropped,
no-new-privileges, memory and pids limits (`specs`). The learner's workspace is
bind-mounted read-only at /workspace into the services that load learner files
(`Service.workspace`), and those reload when it changes.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from docker.errors import APIError, NotFound
from docker.models.containers import Container

from workbench.dockerengine import labels
from workbench.dockerengine.connection import connect
from workbench.dockerengine.parallel import parallel
from workbench.dockerengine.removal import remove_labelled, remove_quietly
from workbench.errors import NotRunningError, StartFailedError, WorkbenchError
from workbench.lab.model import ServiceKind
from workbench.runtime import fault_record, runs
from workbench.runtime.base import (
    Deployment,
    LogLine,
    Progress,
    ProgressCallback,
    ServiceStatus,
)
from workbench.runtime.docker import (
    edge,
    endpoints,
    images,
    logs,
    names,
    network,
    recreate,
    specs,
)
from workbench.runtime.docker.containers import (
    create,
    create_volume,
    removed_on_failure,
    run_containers,
    start_in_background,
)
from workbench.runtime.docker.gate import open_gate, prepare_gate
from workbench.runtime.docker.status import service_statuses
from workbench.runtime.docker.waits import WaitFailure, wait_for, wait_ready
from workbench.runtime.docker.workspace import check_readable

if TYPE_CHECKING:
    import docker

    from workbench.lab.model import Lab

STOP_TIMEOUT = 1.0
"""Seconds a container gets after SIGTERM on `down` (uvicorn and nats-server need ~0.2 s)."""
RESTART_DEADLINE = 30.0
KILL_WAIT = 3.0


class DockerRuntime:
    name: ClassVar[str] = "docker"

    def __init__(self, client: docker.DockerClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> docker.DockerClient:
        if self._client is None:
            self._client = connect()
        return self._client

    # -- start -------------------------------------------------------------------------------

    def up(
        self,
        lab: Lab,
        workspace: Path | None,
        *,
        on_progress: ProgressCallback | None = None,
        deadline: float = 60.0,
    ) -> Deployment:
        client = self.client  # no engine: fail before a run folder exists
        if not lab.runs_services:
            raise WorkbenchError(f"lab {lab.id!r} has no services to start")
        if not any(s.kind is ServiceKind.PYTHON for s in lab.services):
            raise WorkbenchError(
                f"lab {lab.id!r} has no python service; the Docker runtime needs one",
                "use `--runtime local` for this lab",
            )
        if workspace is not None:
            check_readable(workspace.resolve())
        report = on_progress or (lambda _p: None)
        run_id, run_dir = runs.create_run_dir(lab.id)
        try:
            with removed_on_failure(client, run_id, keep=(StartFailedError,)):
                return self._up(
                    lab, workspace=workspace, run_id=run_id, run_dir=run_dir, report=report,
                    deadline=deadline,
                )  # fmt: skip
        except StartFailedError:
            raise  # the run stays: the other services keep running
        except BaseException:
            runs.remove_run(run_dir)
            raise

    def _up(
        self,
        lab: Lab,
        *,
        workspace: Path | None,
        run_id: str,
        run_dir: Path,
        report: ProgressCallback,
        deadline: float,
    ) -> Deployment:
        client = self.client
        if workspace is None:
            workspace = runs.scratch_workspace(run_dir, lab.starter_dir)
        if workspace is not None:
            workspace = workspace.resolve()
            check_readable(workspace)  # a scratch copy of the starter files, too
        deployment = Deployment(
            lab_id=lab.id, run_id=run_id, runtime=self.name, run_dir=run_dir, lab_path=lab.path,
            workspace=workspace, started_at=time.time(),
            extra={"state": labels.state_key(),
                   "sidecars": {s.name: s.sidecar_of for s in lab.services if s.sidecar_of}},
        )  # fmt: skip
        deployment.save()  # before any container exists: gc can always find the run
        gate = prepare_gate(run_dir)
        lab_network, service_images, pythonpaths = self._prepare(lab, run_id, report)
        started = time.monotonic()  # the deadline is for starting, not for a (cold) bake
        python_image = next(
            service_images[s.name] for s in lab.services if s.kind is ServiceKind.PYTHON
        )
        mount = str(workspace) if workspace is not None else None
        service_specs = {
            s.name: specs.service_spec(
                lab, s, run_id, service_images[s.name], network=lab_network, workspace=mount,
                image_pythonpath=pythonpaths.get(service_images[s.name]), gate_dir=str(gate),
                force_polling=sys.platform != "linux",  # Desktop: file events miss bind mounts
            )
            for s in lab.services
        }  # fmt: skip
        needs = {s.name: frozenset(s.needs & service_specs.keys()) for s in lab.services}
        for service in lab.services:
            if not needs[service.name]:
                open_gate(gate, service.name)
        primers = {p.mounts[0].source: p for p in specs.primer_specs(lab, run_id, python_image)}
        # One chain per main service, all at once: prime its volumes (creating the primer is what
        # sets a fresh volume's owner), create it and its sidecars, start it. The gate keeps
        # the dependency order; the edge starts alongside.
        chains = [[edge.edge_spec(lab, run_id, python_image, network=lab_network)]]
        chains += [
            [
                service_specs[m.name],
                *(service_specs[s.name] for s in specs.sidecars_of(lab, m.name)),
            ]
            for m in specs.main_services(lab)
        ]

        def run_chain(chain: list[specs.ContainerSpec]) -> list[Container]:
            for mount_spec in chain[0].mounts:
                if mount_spec.source in primers:
                    remove_quietly(create(client, primers[mount_spec.source]))
            made = [create(client, spec) for spec in chain]  # a sidecar needs its main to exist
            made[0].start()  # (and to run when it starts itself: see below)
            return made

        made = parallel(run_chain, chains)
        edge_container = made[0][0]
        created = {c.labels[labels.SERVICE]: c for chain in made[1:] for c in chain}
        edge_container.reload()
        deployment.extra.update(
            images=service_images, network=lab_network, edge=edge_container.name,
            ports=endpoints.published(edge_container, lab),
            containers={n: c.name for n, c in created.items()},
        )  # fmt: skip
        deployment.endpoints = endpoints.endpoints(lab, deployment.extra["ports"])
        deployment.save()
        # Sidecars start (in their main's network namespace) while the waiting begins: they load
        # their code only once their main is ready, so their start is never what we wait for.
        start_errors: dict[str, str] = {}
        sidecar_start = threading.Thread(
            target=start_in_background,
            args=([c for chain in made[1:] for c in chain[1:]], start_errors),
            daemon=True,
        )
        sidecar_start.start()
        try:
            failed = self._wait_all(
                lab, deployment=deployment, created=created, needs=needs, gate=gate,
                report=report, remaining=max(deadline - (time.monotonic() - started), 0.1),
                start_errors=start_errors,
            )  # fmt: skip
        finally:
            sidecar_start.join()
        if failed:
            raise StartFailedError(
                lab.id, run_id, {n: e.reason for n, e in failed.items()},
                {n: e.log_tail for n, e in failed.items()},
            )  # fmt: skip
        return deployment

    def _prepare(
        self, lab: Lab, run_id: str, report: ProgressCallback
    ) -> tuple[str, dict[str, str], dict[str, str]]:
        """At once: the images (baked when missing, then their PYTHONPATHs), the lab network and
        every volume. Returns the network's name, {service: image} and {image: PYTHONPATH}."""
        client = self.client

        def bake() -> tuple[dict[str, str], dict[str, str]]:
            baked = images.bake(lab, report)
            return baked, images.image_pythonpaths(client, baked)

        tasks: list[Callable[[], object]] = [
            bake,
            lambda: network.create_lab_network(client, lab, run_id).name,
            *((lambda v=v: create_volume(client, v)) for v in specs.volumes_of(lab, run_id)),
        ]
        results = parallel(lambda task: task(), tasks)
        baked, pythonpaths = cast("tuple[dict[str, str], dict[str, str]]", results[0])
        return str(results[1]), baked, pythonpaths

    def _wait_all(
        self,
        lab: Lab,
        *,
        deployment: Deployment,
        created: dict[str, Container],
        needs: dict[str, frozenset[str]],
        gate: Path,
        report: ProgressCallback,
        remaining: float,
        start_errors: dict[str, str],
    ) -> dict[str, WaitFailure]:
        """Wait for every service; open each one's gate once its dependencies are ready.

        A service whose dependency failed is not waited for (it could only time out); it is
        reported with it. It runs on, and becomes ready once the failed one is fixed.
        """
        for service in lab.services:
            report(Progress(service.name, "starting", deployment.url(service.name)))
            if needs[service.name]:
                waiting_for = ", ".join(sorted(needs[service.name]))
                report(Progress(service.name, "waiting", f"for {waiting_for}"))
        failed_names: set[str] = set()
        waits = parallel(  # each reads its container's start time: one engine call apiece
            lambda s: wait_for(
                s,
                created[s.name],
                deployment,
                after=needs[s.name],
                failed=failed_names,
                start_errors=start_errors,
            ),
            lab.services,
        )

        def on_failed(name: str, reason: str) -> None:
            failed_names.add(name)
            report(Progress(name, "failed", reason))

        return wait_ready(
            waits,
            remaining,
            on_ready=lambda name: report(Progress(name, "ready", deployment.url(name))),
            on_failed=on_failed,
            on_unblocked=lambda name: open_gate(gate, name),
        )

    # -- stop --------------------------------------------------------------------------------

    def down(self, deployment: Deployment) -> None:
        remove_labelled(
            self.client, labels.run_filter(deployment.run_id), stop_timeout=STOP_TIMEOUT
        )
        runs.remove_run(deployment.run_dir)

    # -- inspect -----------------------------------------------------------------------------

    def status(self, deployment: Deployment) -> list[ServiceStatus]:
        return service_statuses(self.client, deployment)

    def logs(
        self,
        deployment: Deployment,
        service: str | None = None,
        *,
        follow: bool = False,
        tail: int | None = None,
    ) -> Iterator[LogLine]:
        if service is not None:
            runs.check_service(deployment, service)
        found = self._containers(deployment)
        names = [service] if service else list(deployment.endpoints)
        chosen = {n: found[n] for n in names if n in found}
        if follow:
            yield from logs.follow(chosen, tail)
            return
        for name, container in chosen.items():
            yield from logs.read_lines(name, container, tail)

    # -- process-level faults ----------------------------------------------------------------

    def restart(self, deployment: Deployment, service: str) -> None:
        from workbench.lab import load_lab

        runs.check_service(deployment, service)
        lab = load_lab(deployment.lab_path)
        container = recreate.container_or_none(self.client, deployment, service)
        if container is None:  # removed by hand: made again, and its sidecars with it
            fresh = recreate.recreate(self.client, deployment, lab, service)
            made = [fresh]
            if lab.service(service).sidecar_of is None:
                made += recreate.recreate_sidecars(self.client, deployment, lab, service)
            # Whatever was recorded for it (a partition too) was of the container that is gone.
            fault_record.update(deployment, lambda fs: [f for f in fs if f.service != service])
            for one in made:
                one.start()
        else:
            # Sidecars live in this container's network namespace, which a restart replaces.
            followers = [self._container(deployment, s.name)
                         for s in specs.sidecars_of(lab, service)]  # fmt: skip
            for one in (container, *followers):
                _unpause(one)
            # As locally, a restarted service starts with no faults: a partition ends with it.
            if lab.service(service).sidecar_of is None:
                self.heal(deployment, service)
            container.restart(timeout=int(STOP_TIMEOUT))
            parallel(lambda c: c.restart(timeout=int(STOP_TIMEOUT)), followers)
        names = [service, *(s.name for s in specs.sidecars_of(lab, service))]
        waits = [
            wait_for(lab.service(name), self._container(deployment, name), deployment)
            for name in names
        ]
        errors = wait_ready(waits, RESTART_DEADLINE)
        if errors:
            raise StartFailedError(
                deployment.lab_id, deployment.run_id,
                {n: e.reason for n, e in errors.items()},
                {n: e.log_tail for n, e in errors.items()},
            )  # fmt: skip

    def kill(self, deployment: Deployment, service: str) -> None:
        container = self._running(deployment, service)
        _unpause(container)
        with contextlib.suppress(APIError):
            container.kill()
        give_up = time.monotonic() + KILL_WAIT
        while time.monotonic() < give_up:  # "killed" is true when this returns
            container.reload()
            if container.status not in ("running", "paused", "restarting"):
                return
            time.sleep(0.02)

    def pause(self, deployment: Deployment, service: str) -> None:
        container = self._running(deployment, service)
        if container.status != "paused":
            container.pause()

    def resume(self, deployment: Deployment, service: str) -> None:
        container = self._container(deployment, service)
        _unpause(container)

    def partition(self, deployment: Deployment, service: str) -> None:
        container = self._container(deployment, service)
        main = self._not_sidecar(deployment, service, "partition")
        network.partition(self.client, deployment.lab_id, deployment.run_id, container, main)

    def heal(self, deployment: Deployment, service: str) -> None:
        container = self._container(deployment, service)
        main = self._not_sidecar(deployment, service, "heal")
        network.heal(self.client, deployment.lab_id, deployment.run_id, container, main)

    # -- helpers -----------------------------------------------------------------------------

    def _containers(self, deployment: Deployment) -> dict[str, Container]:
        found: dict[str, Container] = {}
        for container in run_containers(self.client, deployment.run_id):
            if container.labels.get(labels.ROLE) == "service":
                found[container.labels[labels.SERVICE]] = container
        return found

    def _container(self, deployment: Deployment, service: str) -> Container:
        runs.check_service(deployment, service)
        name = names.container_name(deployment.lab_id, service, deployment.run_id)
        try:
            return self.client.containers.get(name)
        except NotFound:
            raise NotRunningError(
                f"service {service!r} of lab {deployment.lab_id!r} has no container",
                f"stop and start the lab again: `workbench lab stop {deployment.lab_id}`",
            ) from None

    def _running(self, deployment: Deployment, service: str) -> Container:
        container = self._container(deployment, service)
        if container.status not in ("running", "paused"):
            raise NotRunningError(
                f"service {service!r} of lab {deployment.lab_id!r} is not running",
                f"start it with `workbench lab restart {deployment.lab_id} {service}`",
            )
        return container

    def _not_sidecar(self, deployment: Deployment, service: str, what: str) -> str:
        main = dict(deployment.extra.get("sidecars", {})).get(service)
        if main:
            raise WorkbenchError(
                f"{service!r} is a sidecar: it shares {main!r}'s network and cannot {what} alone",
                f"{what} {main!r} instead (its sidecars go with it)",
            )
        return service


def _unpause(container: Container) -> None:
    container.reload()
    if container.status == "paused":
        container.unpause()
