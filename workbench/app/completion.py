"""What shell completion offers: lab ids, exercise ids, service names and fault kinds.

Completion runs on every Tab press, so it reads the cached lab index for lab ids and one lab.yaml
for the rest; service names come from the lab's running deployment when there is one (what
`lab logs` and `fault` can act on), else from its lab.yaml. Every answer is a list of (value,
help) pairs; a lab that cannot be read gives an empty list, never an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.lab.model import Lab

Choice = tuple[str, str]


def lab_ids() -> list[Choice]:
    from workbench.lab.index import summaries

    return [(s.id, s.title) for s in summaries()]


def _lab(lab_id: str) -> Lab | None:
    from workbench.lab import find_lab

    try:
        return find_lab(lab_id)
    except WorkbenchError:
        return None


def exercise_ids(lab_id: str) -> list[Choice]:
    lab = _lab(lab_id)
    return [(e.id, e.title) for e in lab.exercises] if lab else []


def service_names(lab_id: str) -> list[Choice]:
    """The running lab's services (with their URLs), else the ones its lab.yaml declares."""
    from workbench.app.runs import find

    try:
        deployment = find(lab_id)
    except WorkbenchError:
        deployment = None
    if deployment is not None and deployment.endpoints:
        return [(name, e.url) for name, e in sorted(deployment.endpoints.items())]
    lab = _lab(lab_id)
    return [(s.name, s.kind.value) for s in lab.services] if lab else []


def fault_kinds() -> list[Choice]:
    from workbench.runtime.faults import KINDS

    return [(kind, "") for kind in KINDS]
