"""The lab domain: lab.yaml models, loading with line-precise validation, the lab list, workspaces.

Pure Python: nothing here imports textual, docker or diagrams. Names are resolved lazily (PEP 562)
so that light modules of this package (the lab index used by `workbench labs list`) can be
imported without paying for pydantic and YAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.lab.listing import find_lab, list_labs
    from workbench.lab.loader import load_lab, validate_lab_dir
    from workbench.lab.model import (
        Difficulty,
        Exercise,
        External,
        Fault,
        FaultKind,
        Lab,
        Link,
        Protocol,
        Service,
        ServiceKind,
    )
    from workbench.lab.problems import Problem

_EXPORTS = {
    "find_lab": "listing",
    "list_labs": "listing",
    "load_lab": "loader",
    "validate_lab_dir": "loader",
    "Difficulty": "model",
    "Exercise": "model",
    "External": "model",
    "Fault": "model",
    "FaultKind": "model",
    "Lab": "model",
    "Link": "model",
    "Protocol": "model",
    "Service": "model",
    "ServiceKind": "model",
    "Problem": "problems",
}

__all__ = [  # noqa: RUF022 - grouped as in _EXPORTS
    "find_lab",
    "list_labs",
    "load_lab",
    "validate_lab_dir",
    "Difficulty",
    "Exercise",
    "External",
    "Fault",
    "FaultKind",
    "Lab",
    "Link",
    "Protocol",
    "Service",
    "ServiceKind",
    "Problem",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.lab' has no attribute {name!r}")
    return getattr(importlib.import_module(f"workbench.lab.{module}"), name)
