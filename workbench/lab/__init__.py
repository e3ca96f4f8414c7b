"""The lab domain: lab.yaml models, loading with line-precise validation, the catalog, workspaces.

Pure Python: nothing here imports textual, docker or diagrams.
"""

from workbench.lab.catalog import find_lab, list_labs
from workbench.lab.loader import load_lab, validate_lab_dir
from workbench.lab.model import (
    Difficulty,
    Exercise,
    Fault,
    FaultKind,
    Lab,
    Link,
    Protocol,
    Service,
    ServiceKind,
)
from workbench.lab.problems import Problem

__all__ = [
    "Difficulty",
    "Exercise",
    "Fault",
    "FaultKind",
    "Lab",
    "Link",
    "Problem",
    "Protocol",
    "Service",
    "ServiceKind",
    "find_lab",
    "list_labs",
    "load_lab",
    "validate_lab_dir",
]
