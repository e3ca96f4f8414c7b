"""Names and labels of everything the Docker runtime creates.

Every container, network and volume of a run carries labels in the reserved `io.workbench.`
namespace, so `workbench gc` finds what a crashed (even `kill -9`ed) CLI left behind by asking the
engine, not by trusting a record on disk. Besides lab, run, service and version, each object carries
`io.workbench.state`: a short hash of the state folder that started it. Two workbench homes on one
engine (two users, or every test with its own state folder) then never clean up each other's runs.

Names are derived from the run id (`<lab>-<8 hex>`), so two runs of one lab never collide:
containers `wb-<lab>-<service>-<hex>` (helpers `wb-<lab>-<hex>-edge`), networks `wb-<lab>-<hex>`,
volumes `wb-<lab>-<hex>-<what>`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from workbench import __version__, paths
from workbench.errors import WorkbenchError

NAMESPACE = "io.workbench."
LAB = NAMESPACE + "lab"
RUN = NAMESPACE + "run"
SERVICE = NAMESPACE + "service"
VERSION = NAMESPACE + "version"
STATE = NAMESPACE + "state"
ROLE = NAMESPACE + "role"
"""What a container is for: `service`, `edge` (the ingress forwarder) or `init` (volume set-up)."""

PREFIX = "wb-"


def state_key() -> str:
    """Short, stable hash of this workbench's state folder (what `gc` scopes itself to)."""
    folder = str(paths.state_dir().expanduser().resolve())
    return hashlib.sha256(folder.encode()).hexdigest()[:12]


def run_suffix(run_id: str) -> str:
    """The random part of a run id (`shop-1a2b3c4d` -> `1a2b3c4d`)."""
    return run_id.rsplit("-", 1)[-1]


def container_name(lab_id: str, service: str, run_id: str) -> str:
    return f"{PREFIX}{lab_id}-{service}-{run_suffix(run_id)}"


def role_container_name(lab_id: str, run_id: str, role: str) -> str:
    """Helper containers (`edge`, `init`): `wb-<lab>-<hex>-<role>`, never a service's name."""
    return f"{PREFIX}{lab_id}-{run_suffix(run_id)}-{role}"


def network_name(lab_id: str, run_id: str, purpose: str = "") -> str:
    """The run's lab network (`purpose` empty) or another network of the run (`quarantine`)."""
    base = f"{PREFIX}{lab_id}-{run_suffix(run_id)}"
    return f"{base}-{purpose}" if purpose else base


def volume_name(lab_id: str, run_id: str, what: str) -> str:
    """`what` is `data-<service>` for a service's DATA_DIR or `vol-<name>` for a declared volume."""
    return f"{PREFIX}{lab_id}-{run_suffix(run_id)}-{what}"


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
    # service: helpers (edge, init) run on a service's image, so they must say "no service".
    labels[SERVICE] = service or ""
    if role is not None:
        labels[ROLE] = role
    return labels


def run_filter(run_id: str) -> dict[str, list[str]]:
    """Engine list filter for everything of one run.

    The run id alone (lab id plus 8 random hex digits) names a run; the state label is not part
    of it, so a run is still found when the state folder is reached by another path.
    """
    return {"label": [f"{RUN}={run_id}"]}


def gc_filter(*, everything: bool = False) -> dict[str, list[str]]:
    """Engine list filter for `gc`: this state folder's objects, or every workbench object."""
    return {"label": [STATE] if everything else [f"{STATE}={state_key()}"]}
