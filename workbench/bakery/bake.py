"""Baking a lab: root → base → one thin image per python service, plus the broker image.

`ensure_images(lab)` is what the Docker runtime calls at start: it builds only what is missing
(tags are content hashes, so "missing" means "changed") and returns service name → image tag.
Safe to call from several threads and processes at once: each image is built under a lock, and a
second caller waiting on that lock then finds the image and uses it.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import docker

from workbench.bakery.base import ensure_base
from workbench.bakery.nats import ensure_nats
from workbench.bakery.progress import BakeCallback, ignore
from workbench.bakery.root import ensure_root
from workbench.bakery.service import ensure_service
from workbench.dockerengine.connection import connect
from workbench.dockerengine.labels import ImageKind
from workbench.lab.model import Lab, ServiceKind

PARALLEL_BUILDS = 3
"""Thin images built at once: the engine overlaps their context uploads and commits."""


@dataclass(frozen=True)
class BakedImage:
    image: str
    """For people: 'root', 'base', 'nats', 'saga/order'."""
    kind: ImageKind
    tag: str
    built: bool
    seconds: float
    service: str | None = None


@dataclass
class BakeReport:
    lab: str
    images: list[BakedImage] = field(default_factory=list)
    services: dict[str, str] = field(default_factory=dict)
    """Service name → image tag, for every service of the lab (brokers get the nats image)."""

    @property
    def built(self) -> list[BakedImage]:
        return [image for image in self.images if image.built]


def ensure_images(lab: Lab, on_progress: BakeCallback | None = None) -> dict[str, str]:
    """Service name → image tag for every service of `lab`, baking whatever is missing."""
    return bake_lab(lab, on_progress).services


def bake_lab(
    lab: Lab,
    on_progress: BakeCallback | None = None,
    *,
    client: docker.DockerClient | None = None,
) -> BakeReport:
    """Make every image `lab` needs; a second call with nothing changed builds nothing."""
    report = on_progress or ignore
    client = client or connect()
    result = BakeReport(lab.id)
    python = [s for s in lab.services if s.kind is ServiceKind.PYTHON]
    brokers = [s for s in lab.services if s.kind is ServiceKind.NATS]
    if python:
        started = time.monotonic()
        root = ensure_root(client, report)
        result.images.append(
            BakedImage("root", ImageKind.ROOT, root.name, root.built, time.monotonic() - started)
        )
        started = time.monotonic()
        base, built = ensure_base(client, root, report)
        result.images.append(
            BakedImage("base", ImageKind.BASE, base, built, time.monotonic() - started)
        )

        def one(service_name: str) -> BakedImage:
            service = lab.service(service_name)
            begun = time.monotonic()
            tag, made = ensure_service(client, lab, service, base, report)
            return BakedImage(
                f"{lab.id}/{service.name}",
                ImageKind.SERVICE,
                tag,
                made,
                time.monotonic() - begun,
                service.name,
            )

        with ThreadPoolExecutor(PARALLEL_BUILDS, thread_name_prefix="bake") as pool:
            for baked in pool.map(one, [s.name for s in python]):
                result.images.append(baked)
                result.services[baked.service or ""] = baked.tag
    if brokers:
        started = time.monotonic()
        tag, built = ensure_nats(client, report)
        result.images.append(
            BakedImage("nats", ImageKind.NATS, tag, built, time.monotonic() - started)
        )
        for broker in brokers:
            result.services[broker.name] = tag
    return result
