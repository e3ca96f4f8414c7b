"""The `io.workbench.` label namespace: every label the workbench puts on engine objects.

The workbench finds its objects by asking the engine for labels, never by trusting a record on
disk: the bakery's images (`kind`, `hash`, `lab`, `service`; `stage` on the throw-away first stage
of the base build), and the Docker runtime's containers, networks and volumes (`lab`, `run`,
`service`, `role`, `state`). So `workbench gc` finds what a crashed (even `kill -9`ed) CLI left
behind, and `workbench images` lists what the bakery made.

`io.workbench.state` is a short hash of the state folder that started a run's objects: two
workbench homes on one engine (two users, or every test with its own state folder) then never
clean up each other's runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import StrEnum

from workbench import __version__, paths
from workbench.errors import WorkbenchError

NAMESPACE = "io.workbench."
LAB = NAMESPACE + "lab"
SERVICE = NAMESPACE + "service"
VERSION = NAMESPACE + "version"

# Images (the bakery).
KIND = NAMESPACE + "kind"
HASH = NAMESPACE + "hash"
STAGE = NAMESPACE + "stage"
"""On the throw-away first stage of the base build, so a left-over one can still be found."""

# Containers, networks and volumes of a run (the Docker runtime).
RUN = NAMESPACE + "run"
STATE = NAMESPACE + "state"
ROLE = NAMESPACE + "role"
"""What a container is for: `service`, `edge` (the ingress forwarder), `primer` (volume set-up)."""

Filters = dict[str, list[str]]
"""An engine list filter: `{"label": ["io.workbench.run=saga-1a2b3c4d"]}`."""


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


def state_key() -> str:
    """Short, stable hash of this workbench's state folder (what `gc` scopes itself to)."""
    folder = str(paths.state_dir().expanduser().resolve())
    return hashlib.sha256(folder.encode()).hexdigest()[:12]


def run_labels(
    lab_id: str,
    run_id: str,
    *,
    service: str | None = None,
    role: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Labels for one object of a run; `extra` (a lab's own labels) may not use our namespace."""
    labels = dict(extra or {})
    reserved = sorted(key for key in labels if key.startswith(NAMESPACE))
    if reserved:
        raise WorkbenchError(
            f"labels {', '.join(reserved)} use the reserved namespace {NAMESPACE}*",
            f"rename them: the workbench finds (and removes) its objects by {NAMESPACE}* labels",
        )
    labels.update({LAB: lab_id, RUN: run_id, VERSION: __version__, STATE: state_key()})
    # A container inherits its image's labels, and the bakery labels each service image with its
    # service: helpers (edge, primer) run on a service's image, so they must say "no service".
    labels[SERVICE] = service or ""
    if role is not None:
        labels[ROLE] = role
    return labels


def run_filter(run_id: str) -> Filters:
    """Everything of one run.

    The run id alone (lab id plus 8 random hex digits) names a run; the state label is not part
    of it, so a run is still found when the state folder is reached by another path.
    """
    return {"label": [f"{RUN}={run_id}"]}


def state_filter(*, everything: bool = False) -> Filters:
    """What `gc` removes: this state folder's objects, or every object of any workbench."""
    return {"label": [STATE] if everything else [f"{STATE}={state_key()}"]}


def label_instruction(labels: Mapping[str, str]) -> str:
    """One Dockerfile LABEL instruction (the builder makes a step of every `--label`)."""
    return "LABEL " + " ".join(
        f"{key}={json.dumps(value)}" for key, value in sorted(labels.items())
    )


def as_label_lines(labels: Mapping[str, str]) -> list[str]:
    """LABEL instructions for `docker import --change` (no build step to pass labels to)."""
    return [f'LABEL {key}="{value}"' for key, value in sorted(labels.items())]
