"""The Docker runtime's sandbox: learner code outside the services runs in a throw-away container.

With the Docker runtime no learner code runs on the host. The import pre-check (`checkrun.imports`)
runs its child here: in the image of the service that loads the learner's files (base image, the
service kit and the service's source at /srv/service, its working folder), with the hardening of
every service container (`specs.ContainerSpec`: user 10001, read-only root, tmpfs /tmp, all
capabilities dropped, no-new-privileges, memory and pids limits) and no network at all. The
workspace is bind-mounted read-only at /workspace as for the services, and the source folders of
the other services that load learner files read-only beside it. The container is labelled with
the run (role `precheck`), so `workbench gc` finds one a killed CLI left, and removed at once.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.dockerengine import labels
from workbench.errors import WorkbenchError
from workbench.lab.model import Lab, Service, ServiceKind
from workbench.runtime.base import Deployment, ProgressCallback
from workbench.runtime.docker import names, specs
from workbench.runtime.sandbox import ChildOutput

if TYPE_CHECKING:
    import docker

ROLE = "precheck"
SOURCES_MOUNT = "/opt/wbsources"
"""Where the source folders of further services that load learner files are mounted."""


def learner_service(lab: Lab) -> Service:
    """The python service whose image runs learner code: the first that loads learner files."""
    python = [s for s in lab.services if s.kind is ServiceKind.PYTHON]
    if not python:
        raise WorkbenchError(
            f"lab {lab.id!r} has no python service; the Docker runtime needs one",
            "use `--runtime local` for this lab",
        )
    return next((s for s in python if s.workspace), python[0])


def sandbox_spec(
    lab: Lab,
    run_id: str,
    image: str,
    script: str,
    args: list[str],
    *,
    workspace: Path,
    paths: list[Path],
    image_pythonpath: str | None = None,
) -> specs.ContainerSpec:
    """The container that runs `python -c script /workspace PATHS *args 0` (pure: no engine)."""
    service = learner_service(lab)
    own = (lab.path / service.source).resolve() if service.source else None
    mounts = [specs.MountSpec(specs.WORKSPACE_MOUNT, str(workspace), kind="bind", read_only=True)]
    inside: list[str] = []
    for index, path in enumerate(paths):
        if own is not None and path.resolve() == own:
            inside.append(specs.SERVICE_DIR)  # in the image already
        else:
            target = f"{SOURCES_MOUNT}/{index}"
            mounts.append(specs.MountSpec(target, str(path), kind="bind", read_only=True))
            inside.append(target)
    suffix = secrets.token_hex(3)
    return specs.ContainerSpec(
        name=names.role_container_name(lab.id, run_id, f"{ROLE}-{suffix}"),
        service=ROLE,
        image=image,
        command=specs.python_command(script, specs.WORKSPACE_MOUNT, json.dumps(inside), *args, "0"),
        labels=labels.run_labels(lab.id, run_id, role=ROLE),
        environment={
            "PYTHONPATH": image_pythonpath or specs.KIT_PYTHONPATH,
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        },
        mounts=mounts,
        network_mode="none",
        working_dir=specs.SERVICE_DIR,
    )


class DockerPython:
    """A `Sandbox` for the Docker runtime: each child in a fresh hardened container.

    `images` (service -> tag) are a running run's; without them the lab's images are baked when
    missing (as a start would: the start that follows finds them cached).
    """

    def __init__(
        self,
        lab: Lab,
        *,
        run_id: str | None = None,
        images: Mapping[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
        client: docker.DockerClient | None = None,
    ) -> None:
        self.lab = lab
        self.run_id = run_id or f"{lab.id}-{secrets.token_hex(4)}"
        self._images = dict(images) if images else None
        self._on_progress = on_progress
        self._client = client

    @classmethod
    def of_run(cls, lab: Lab, deployment: Deployment) -> DockerPython:
        images = deployment.extra.get("images")
        return cls(
            lab, run_id=deployment.run_id, images=images if isinstance(images, dict) else None
        )

    def run_python(
        self, script: str, args: list[str], *, workspace: Path, paths: list[Path], timeout: float
    ) -> ChildOutput:
        from docker.errors import APIError, NotFound
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from requests.exceptions import ReadTimeout

        from workbench.dockerengine.connection import connect
        from workbench.dockerengine.removal import remove_quietly
        from workbench.runtime.docker import images
        from workbench.runtime.docker.containers import create
        from workbench.runtime.docker.workspace import check_readable

        check_readable(workspace)
        client = self._client or connect()
        service = learner_service(self.lab)
        tags = self._images
        if tags is None or service.name not in tags:
            tags = images.bake(self.lab, self._on_progress or (lambda _p: None))
        image = tags[service.name]
        pythonpath = images.image_pythonpaths(client, {service.name: image}).get(image)
        spec = sandbox_spec(
            self.lab, self.run_id, image, script, args,
            workspace=workspace, paths=paths, image_pythonpath=pythonpath,
        )  # fmt: skip
        container = create(client, spec)
        try:
            container.start()
            timed_out, ended = False, None
            try:
                container.wait(timeout=timeout)
            except (ReadTimeout, RequestsConnectionError):
                timed_out = True
                with contextlib.suppress(APIError, NotFound):
                    container.kill()
            container.reload()
            state = container.attrs.get("State", {})
            if state.get("OOMKilled"):
                ended = f"out of memory: the limit is {spec.mem_limit}"
            stdout = container.logs(stdout=True, stderr=False)
            stderr = container.logs(stdout=False, stderr=True)
        finally:
            remove_quietly(container)
        return ChildOutput(
            stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"), timed_out, ended
        )
