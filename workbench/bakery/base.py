"""The base image: the root plus a venv (FastAPI, uvicorn, httpx, nats-py) and the service kit.

Built in two stages so the wheels never end up in a layer of the image: the first stage makes the
venv from the wheels in the context (`--no-index`: no network), the second copies only the venv.
The service kit keeps its import name inside the image: /opt/kit/workbench/servicekit with a
minimal workbench/__init__.py and the environment contract it reads (workbench/service_env.py),
on PYTHONPATH and (so a runtime may replace PYTHONPATH) in a .pth.
"""

from __future__ import annotations

from pathlib import Path

import docker

from workbench import paths
from workbench.bakery import build
from workbench.bakery.context import build_context, copy_tree, link_or_copy
from workbench.bakery.hashing import ContentHash
from workbench.bakery.locks import image_lock
from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.bakery.root import RootImage
from workbench.bakery.tags import repository
from workbench.bakery.wheels import constraints, ensure_wheels, requirements
from workbench.dockerengine.images import find_image
from workbench.dockerengine.labels import STAGE, ImageKind, image_labels
from workbench.dockerengine.removal import remove_labelled

USER_ID = 10001
VENV_STAGE = "base-venv"
KIT_INIT = '"""Only the service kit lives here inside images; the workbench itself does not."""\n'


def kit_dir() -> Path:
    return paths.PACKAGE_DIR / "servicekit"


def contract_file() -> Path:
    """`workbench/service_env.py`: the one module of the workbench the service kit imports."""
    return paths.PACKAGE_DIR / "service_env.py"


def dockerfile(root: str) -> str:
    """The base Dockerfile on top of `root` (a pure function: the unit tests read it)."""
    return f"""\
FROM {root} AS venv
LABEL {STAGE}="{VENV_STAGE}"
COPY wheels/ /tmp/wheels/
RUN python3 -m venv /opt/venv \\
 && /opt/venv/bin/pip install --no-index --no-cache-dir --disable-pip-version-check \\
      --find-links /tmp/wheels --constraint /tmp/wheels/constraints.txt \\
      --requirement /tmp/wheels/requirements.txt \\
 && echo /opt/kit > "$(/opt/venv/bin/python -c \\
      'import sysconfig; print(sysconfig.get_path("purelib"))')/workbench-kit.pth"

FROM {root}
COPY --from=venv /opt/venv /opt/venv
COPY kit/ /opt/kit/
RUN echo "workbench:x:{USER_ID}:{USER_ID}::/tmp:/usr/sbin/nologin" >> /etc/passwd \\
 && echo "workbench:x:{USER_ID}:" >> /etc/group \\
 && mkdir -p /data /srv/service /workspace \\
 && chown {USER_ID}:{USER_ID} /data \\
 && /opt/venv/bin/python -m compileall -q /opt/kit
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    VIRTUAL_ENV=/opt/venv PYTHONPATH=/opt/kit PYTHONUNBUFFERED=1 LANG=C.UTF-8
WORKDIR /srv/service
USER {USER_ID}:{USER_ID}
"""


def base_hash(root: RootImage) -> ContentHash:
    """Everything the base is made of; changing any of it makes a new tag."""
    digest = ContentHash("base").text("root", root.image_id)
    digest.text("python", f"{root.python.version} {root.python.platform}")
    digest.text("requirements", "\n".join(requirements()))
    digest.text("constraints", "\n".join(constraints()))
    digest.text("dockerfile", dockerfile("ROOT"))
    digest.file("contract", contract_file())
    return digest.tree("kit", kit_dir())


def ensure_base(
    client: docker.DockerClient, root: RootImage, on_progress: BakeCallback
) -> tuple[str, bool]:
    """The base image's tag, and whether it had to be built."""
    digest = base_hash(root)
    tag = f"{repository()}/base:{digest.tag}"
    if find_image(client, tag) is not None:  # the common case, without waiting on any lock
        on_progress(BakeEvent("base", BakePhase.CACHED, tag))
        return tag, False
    # One base build at a time on this machine: the clean-up below must not see another
    # build's unfinished first stage.
    with image_lock("base"):
        if find_image(client, tag) is not None:
            on_progress(BakeEvent("base", BakePhase.CACHED, tag))
            return tag, False
        on_progress(BakeEvent("base", BakePhase.STARTED, tag))
        wheels = ensure_wheels(root.python, on_progress)
        with build_context(dockerfile(root.name)) as context:
            for wheel in wheels.glob("*.whl"):
                link_or_copy(wheel, context / "wheels" / wheel.name)
            (context / "wheels" / "requirements.txt").write_text("\n".join(requirements()) + "\n")
            (context / "wheels" / "constraints.txt").write_text("\n".join(constraints()) + "\n")
            (context / "kit" / "workbench").mkdir(parents=True)
            (context / "kit" / "workbench" / "__init__.py").write_text(KIT_INIT)
            copy_tree(kit_dir(), context / "kit" / "workbench" / "servicekit")
            contract = contract_file().read_text(encoding="utf-8")
            (context / "kit" / "workbench" / "service_env.py").write_text(contract)
            try:
                build.build(
                    client,
                    context,
                    tag,
                    image_labels(ImageKind.BASE, digest.digest),
                    image="base",
                    on_progress=on_progress,
                )
            finally:
                _remove_venv_stage(client)
        on_progress(BakeEvent("base", BakePhase.BUILT, tag))
    return tag, True


def _remove_venv_stage(client: docker.DockerClient) -> None:
    """The first stage is left behind as an untagged image; it is only a means to the base.

    One the engine will not remove (in use elsewhere: very unlikely under the lock) is kept;
    `workbench images --prune` gets it later."""
    remove_labelled(client, {"label": [f"{STAGE}={VENV_STAGE}"]}, stop_timeout=0, images=True)
