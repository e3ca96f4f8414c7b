"""One image build on the engine, each Dockerfile step reported as it runs.

Builds go through the legacy builder (what Debian's engine has) with `network_mode="none"`, so
nothing inside a build can reach the network: every input is in the build context.
"""

from __future__ import annotations

import re
from pathlib import Path

import docker
from docker.errors import DockerException

from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.dockerengine.connection import first_line
from workbench.dockerengine.images import find_image
from workbench.dockerengine.labels import label_instruction
from workbench.errors import WorkbenchError


class BakeError(WorkbenchError):
    """An image could not be made; the message carries the end of the build output."""


_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)")


def build(
    client: docker.DockerClient,
    context: Path,
    tag: str,
    labels: dict[str, str],
    *,
    image: str,
    service: str | None = None,
    on_progress: BakeCallback,
) -> str:
    """Build context/Dockerfile as `tag`, reporting each step; returns the image id.

    The labels go in as one LABEL instruction appended to the Dockerfile: the builder turns each
    `--label` into a step of its own, and every step costs a container commit.
    """
    with (context / "Dockerfile").open("a", encoding="utf-8") as dockerfile:
        dockerfile.write(label_instruction(labels) + "\n")
    tail: list[str] = []
    image_id = ""
    try:
        stream = client.api.build(
            path=str(context),
            tag=tag,
            rm=True,
            forcerm=True,
            pull=False,
            network_mode="none",
            decode=True,
            use_config_proxy=False,
        )
        for chunk in stream:
            if "error" in chunk:
                tail.append(str(chunk["error"]).strip())
                on_progress(BakeEvent(image, BakePhase.FAILED, tag, service, detail=tail[-1]))
                raise BakeError(
                    f"building {image} ({tag}) failed:\n    " + "\n    ".join(tail[-15:]),
                    "the lines above are the end of the build output",
                )
            aux = chunk.get("aux")
            if isinstance(aux, dict) and "ID" in aux:
                image_id = str(aux["ID"])
            text = str(chunk.get("stream", "")).rstrip()
            if not text:
                continue
            tail = [*tail[-30:], *text.splitlines()]
            step = _STEP.match(text)
            if step:
                on_progress(
                    BakeEvent(
                        image,
                        BakePhase.STEP,
                        tag,
                        service,
                        int(step.group(1)),
                        int(step.group(2)),
                        step.group(3)[:80],
                    )
                )
    except DockerException as exc:
        on_progress(BakeEvent(image, BakePhase.FAILED, tag, service, detail=first_line(exc)))
        raise BakeError(f"building {image} ({tag}) failed: {first_line(exc)}") from exc
    if not image_id:
        found = find_image(client, tag)
        if found is None:
            raise BakeError(f"building {image} ({tag}) ended without an image")
        image_id = str(found.id)
    return image_id
