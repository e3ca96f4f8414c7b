"""The `io.workbench.` label namespace of baked images: how listing, pruning and gc find them."""

from __future__ import annotations

import os
from enum import StrEnum

from workbench import __version__

NAMESPACE = "io.workbench."
KIND = NAMESPACE + "kind"
LAB = NAMESPACE + "lab"
SERVICE = NAMESPACE + "service"
VERSION = NAMESPACE + "version"
HASH = NAMESPACE + "hash"
STAGE = NAMESPACE + "stage"
"""On the throw-away first stage of the base build, so a left-over one can still be found."""

PREFIX_ENV = "WORKBENCH_IMAGE_PREFIX"
DEFAULT_PREFIX = "workbench"


def repository() -> str:
    """Prefix of every tag the bakery makes: workbench/root, workbench/base, workbench/<lab>-<svc>.

    WORKBENCH_IMAGE_PREFIX gives a separate set of images on the same engine (the cold-bake
    benchmark uses it so it neither reuses nor disturbs the images everyone else runs on).
    """
    return os.environ.get(PREFIX_ENV, "").strip() or DEFAULT_PREFIX


class ImageKind(StrEnum):
    ROOT = "root"
    BASE = "base"
    SERVICE = "service"
    NATS = "nats"


REMOVAL_ORDER = (ImageKind.SERVICE, ImageKind.NATS, ImageKind.BASE, ImageKind.ROOT)
"""Children before parents: the engine refuses to remove an image other images are built on."""


def image_labels(
    kind: ImageKind, digest: str, *, lab: str | None = None, service: str | None = None
) -> dict[str, str]:
    labels = {KIND: kind.value, HASH: digest, VERSION: __version__}
    if lab is not None:
        labels[LAB] = lab
    if service is not None:
        labels[SERVICE] = service
    return labels


def as_label_lines(labels: dict[str, str]) -> list[str]:
    """LABEL instructions for `docker import --change` (no build step to pass labels to)."""
    return [f'LABEL {key}="{value}"' for key, value in sorted(labels.items())]
