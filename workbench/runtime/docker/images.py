"""The images of a run: baked when missing (the bakery), and the PYTHONPATH each one sets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.dockerengine.parallel import parallel
from workbench.runtime.base import Progress, ProgressCallback
from workbench.runtime.docker import specs

if TYPE_CHECKING:
    import docker

    from workbench.lab.model import Lab


def bake(lab: Lab, report: ProgressCallback) -> dict[str, str]:
    """Service name -> image tag, baking what is missing; a cached image is not worth a line."""
    from workbench.bakery.bake import ensure_images
    from workbench.bakery.progress import BakeEvent, BakePhase

    def on_bake(event: BakeEvent) -> None:
        if event.phase == BakePhase.CACHED:  # nothing to do: not worth a line on every start
            return
        detail = f"{event.image}: {event.phase}" + (f" {event.detail}" if event.detail else "")
        report(Progress(event.service or event.image, "baking", detail))

    return ensure_images(lab, on_bake)


def image_pythonpaths(client: docker.DockerClient, images: dict[str, str]) -> dict[str, str]:
    """Image tag -> the PYTHONPATH its config sets (the services' PYTHONPATH extends it)."""

    def one(tag: str) -> tuple[str, str | None]:
        env = client.images.get(tag).attrs.get("Config", {}).get("Env")
        return tag, specs.image_pythonpath(env)

    return {tag: path for tag, path in parallel(one, sorted(set(images.values()))) if path}
