"""Bringing back a service whose container is gone (`docker rm -f` by hand), for `restart`.

The container is made again from the same spec as at the start (`specs.service_spec`, with the
run's images, network, workspace and gate folder from the run record), under the same name and
DNS alias, so the edge and the other services reach it as before. Its data volume outlives a
removed container; one removed too is made again (primed for the broker, as at the start). The
sidecars of a recreated main share its network namespace, which died with it: they are made
again as well.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from docker.errors import NotFound
from docker.models.containers import Container

from workbench.dockerengine.removal import remove_quietly
from workbench.errors import WorkbenchError
from workbench.lab.model import ServiceKind
from workbench.runtime.docker import images, names, specs
from workbench.runtime.docker.containers import create, create_volume

if TYPE_CHECKING:
    import docker

    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment


def container_or_none(
    client: docker.DockerClient, deployment: Deployment, service: str
) -> Container | None:
    try:
        return client.containers.get(
            names.container_name(deployment.lab_id, service, deployment.run_id)
        )
    except NotFound:
        return None


def recreate(
    client: docker.DockerClient, deployment: Deployment, lab: Lab, service: str
) -> Container:
    """Create (not start) the service's container again, as `up` made it."""
    image = dict(deployment.extra.get("images", {})).get(service)
    network = deployment.extra.get("network")
    if not image or not network:
        raise WorkbenchError(
            f"the run of lab {deployment.lab_id!r} does not record how {service!r} was made",
            f"stop and start the lab again: `workbench lab stop {deployment.lab_id}`",
        )
    spec = specs.service_spec(
        lab, lab.service(service), deployment.run_id, image, network=str(network),
        workspace=str(deployment.workspace) if deployment.workspace else None,
        image_pythonpath=images.image_pythonpaths(client, {service: image}).get(image),
        force_polling=sys.platform != "linux",
        gate_dir=str(deployment.run_dir / "gate"),
    )  # fmt: skip
    _volumes_back(client, deployment, lab, spec, image)
    return create(client, spec)


def recreate_sidecars(
    client: docker.DockerClient, deployment: Deployment, lab: Lab, main: str
) -> list[Container]:
    """The main's sidecars made again (the old ones joined the removed main's network)."""
    made = []
    for sidecar in specs.sidecars_of(lab, main):
        old = container_or_none(client, deployment, sidecar.name)
        if old is not None:
            remove_quietly(old)
        made.append(recreate(client, deployment, lab, sidecar.name))
    return made


def _volumes_back(
    client: docker.DockerClient,
    deployment: Deployment,
    lab: Lab,
    spec: specs.ContainerSpec,
    image: str,
) -> None:
    by_name = {v.name: v for v in specs.volumes_of(lab, deployment.run_id)}
    made_of = dict(deployment.extra.get("images", {}))
    python_image = next(
        (
            made_of[s.name]
            for s in lab.services
            if s.kind is ServiceKind.PYTHON and s.name in made_of
        ),
        image,
    )
    primers = {p.mounts[0].source: p for p in specs.primer_specs(lab, deployment.run_id,
                                                                  python_image)}  # fmt: skip
    for mount in spec.mounts:
        if mount.kind != "volume" or mount.source not in by_name:
            continue
        try:
            client.volumes.get(mount.source)
        except NotFound:
            create_volume(client, by_name[mount.source])
            if mount.source in primers:
                remove_quietly(create(client, primers[mount.source]))
