"""Thin per-service images: the base plus one service's code at /srv/service.

Only the service code is baked; the learner's workspace is mounted when the lab runs. Folders
where the service mounts a volume are made in the image, owned by the service user, because the
engine gives a fresh named volume the owner of the folder it is mounted on.
"""

from __future__ import annotations

import json

import docker

from workbench.bakery import build
from workbench.bakery.base import USER_ID
from workbench.bakery.context import build_context, copy_tree
from workbench.bakery.hashing import ContentHash
from workbench.bakery.locks import image_lock
from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.bakery.tags import repository
from workbench.dockerengine.images import find_image
from workbench.dockerengine.labels import ImageKind, image_labels
from workbench.lab.model import Lab, Service

SERVICE_DIR = "/srv/service"


def dockerfile(base: str, service: Service) -> str:
    """The thin image's Dockerfile (a pure function: the unit tests read it)."""
    lines = [f"FROM {base}", f"COPY service/ {SERVICE_DIR}/"]
    for mount in sorted({volume.mount for volume in service.volumes}):
        lines.append(f"COPY --chown={USER_ID}:{USER_ID} empty/ {mount}/")
    port = service.container_port
    command = ["uvicorn", service.app, "--host", "0.0.0.0", "--port", str(port)]
    lines += [
        f"ENV SERVICE_NAME={service.name} PORT={port}",
        f"EXPOSE {port}",
        f"CMD {json.dumps(command)}",
    ]
    return "\n".join(lines) + "\n"


def service_repository(lab: Lab, service: Service) -> str:
    return f"{repository()}/{lab.id}-{service.name}"


def service_hash(lab: Lab, service: Service, base: str) -> ContentHash:
    """The base it is built on, the Dockerfile and every file of the service's folder."""
    digest = ContentHash("service").text("base", base).text("lab", lab.id)
    digest.text("dockerfile", dockerfile(base, service))
    return digest.tree("service", lab.path / (service.source or service.name))


def ensure_service(
    client: docker.DockerClient, lab: Lab, service: Service, base: str, on_progress: BakeCallback
) -> tuple[str, bool]:
    """The service image's tag, and whether it had to be built."""
    digest = service_hash(lab, service, base)
    tag = f"{service_repository(lab, service)}:{digest.tag}"
    label = f"{lab.id}/{service.name}"
    if find_image(client, tag) is not None:  # the common case, without waiting on any lock
        on_progress(BakeEvent(label, BakePhase.CACHED, tag, service.name))
        return tag, False
    with image_lock(tag):
        if find_image(client, tag) is not None:  # built by another caller while we waited
            on_progress(BakeEvent(label, BakePhase.CACHED, tag, service.name))
            return tag, False
        on_progress(BakeEvent(label, BakePhase.STARTED, tag, service.name))
        with build_context(dockerfile(base, service)) as context:
            copy_tree(lab.path / (service.source or service.name), context / "service")
            (context / "service").mkdir(exist_ok=True)
            (context / "empty").mkdir()
            labels = image_labels(
                ImageKind.SERVICE, digest.digest, lab=lab.id, service=service.name
            )
            build.build(
                client,
                context,
                tag,
                labels,
                image=label,
                service=service.name,
                on_progress=on_progress,
            )
        on_progress(BakeEvent(label, BakePhase.BUILT, tag, service.name))
    return tag, True
