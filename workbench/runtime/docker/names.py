"""Names of everything the Docker runtime creates, derived from the run id.

A run id is `<lab>-<8 hex>`, so two runs of one lab never collide: containers
`wb-<lab>-<service>-<hex>` (helpers `wb-<lab>-<hex>-edge`), networks `wb-<lab>-<hex>`, volumes
`wb-<lab>-<hex>-<what>`. The runtime finds its objects by label (`workbench.dockerengine.labels`);
names are for people and for reaching one object directly.
"""

from __future__ import annotations

PREFIX = "wb-"


def run_suffix(run_id: str) -> str:
    """The random part of a run id (`saga-1a2b3c4d` -> `1a2b3c4d`)."""
    return run_id.rsplit("-", 1)[-1]


def container_name(lab_id: str, service: str, run_id: str) -> str:
    return f"{PREFIX}{lab_id}-{service}-{run_suffix(run_id)}"


def role_container_name(lab_id: str, run_id: str, role: str) -> str:
    """Helper containers (`edge`, `primer-N`): `wb-<lab>-<hex>-<role>`, never a service's name."""
    return f"{PREFIX}{lab_id}-{run_suffix(run_id)}-{role}"


def network_name(lab_id: str, run_id: str, purpose: str = "") -> str:
    """The run's lab network (`purpose` empty) or another network of the run (`quarantine`)."""
    base = f"{PREFIX}{lab_id}-{run_suffix(run_id)}"
    return f"{base}-{purpose}" if purpose else base


def volume_name(lab_id: str, run_id: str, what: str) -> str:
    """`what` is `data-<service>` for a service's DATA_DIR or `vol-<name>` for a declared volume."""
    return f"{PREFIX}{lab_id}-{run_suffix(run_id)}-{what}"
