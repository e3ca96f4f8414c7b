"""Baked images on this engine: listing them (with size and age) and pruning them.

Images are a cache: `workbench gc` leaves them alone, `workbench images --prune` removes them.
Only images in the `io.workbench.` label namespace are ever listed or removed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import docker

from workbench.dockerengine.images import find_image
from workbench.dockerengine.labels import KIND, LAB, SERVICE, STAGE
from workbench.dockerengine.removal import remove_images


@dataclass(frozen=True)
class BakedImageInfo:
    tag: str
    """The first tag, or the short id of an untagged image."""
    image_id: str
    kind: str
    lab: str | None
    service: str | None
    size: int
    """Bytes, shared layers counted in full (as `docker images` does)."""
    created: float
    """Unix time."""

    def age(self, now: float | None = None) -> float:
        return max(0.0, (now if now is not None else time.time()) - self.created)


def list_images(client: docker.DockerClient, lab: str | None = None) -> list[BakedImageInfo]:
    """Every image the bakery made (by label), sorted by lab, service, kind, then newest first.

    With `lab`, only that lab's service images (the shared root, base and broker stay out).
    """
    found: dict[str, BakedImageInfo] = {}
    for label in (f"{LAB}={lab}",) if lab else (KIND, STAGE):
        for image in client.images.list(filters={"label": label}):
            if image.id in found:
                continue
            labels = image.labels or {}
            found[image.id] = BakedImageInfo(
                tag=(image.tags or [image.short_id])[0],
                image_id=image.id,
                kind=labels.get(KIND, "stage"),
                lab=labels.get(LAB),
                service=labels.get(SERVICE),
                size=int(image.attrs.get("Size", 0)),
                created=_created(image.attrs.get("Created", "")),
            )
    return sorted(
        found.values(), key=lambda i: (i.lab or "", i.service or "", i.kind, -i.created, i.tag)
    )


def _created(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    # The engine gives RFC 3339 with nanoseconds; fromisoformat takes at most microseconds.
    if "." in text:
        head, _, fraction = text.partition(".")
        digits = "".join(ch for ch in fraction if ch.isdigit())[:6]
        zone = fraction[len("".join(ch for ch in fraction if ch.isdigit())) :]
        text = f"{head}.{digits}{zone}"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


@dataclass(frozen=True)
class PruneResult:
    removed: list[str]
    kept: list[tuple[str, str]]
    """(tag, why) for images the engine would not remove, e.g. used by a container."""


def superseded(images: list[BakedImageInfo]) -> list[BakedImageInfo]:
    """Images a newer bake of the same thing replaced (an edit, a new service kit, a new root):
    all but the newest of each repository, plus left-over first stages of base builds."""
    newest: dict[str, BakedImageInfo] = {}
    for info in images:
        repository = info.tag.rpartition(":")[0] if ":" in info.tag else ""
        key = f"{repository}|{info.kind}|{info.lab}|{info.service}"
        if info.kind == "stage" or not repository:
            continue
        if key not in newest or info.created > newest[key].created:
            newest[key] = info
    keep = {info.image_id for info in newest.values()}
    return [info for info in images if info.image_id not in keep]


def prune_images(
    client: docker.DockerClient, lab: str | None = None, *, only_superseded: bool = False
) -> PruneResult:
    """Remove every baked image (or only `lab`'s, or only superseded ones), children before
    parents; images a container uses are kept and said so."""
    infos = list_images(client, lab)
    if only_superseded:
        infos = superseded(infos)
    gone: list[str] = []  # removed meanwhile: as good as removed now
    found = []
    for info in infos:
        image = find_image(client, info.image_id)
        if image is None:
            gone.append(info.tag)
        else:
            found.append(image)
    removed, kept = remove_images(client, found)
    return PruneResult(gone + removed, kept)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def human_age(seconds: float) -> str:
    for limit, unit in ((60, "s"), (3600, "min"), (86400, "h")):
        if seconds < limit:
            divisor = {"s": 1, "min": 60, "h": 3600}[unit]
            return f"{int(seconds // divisor)} {unit}"
    return f"{int(seconds // 86400)} d"
