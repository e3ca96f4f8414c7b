"""Finding labs: every folder with a lab.yaml under the labs directories, fully loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import LabNotFoundError
from workbench.lab.index import lab_folders
from workbench.lab.loader import load_lab, validate_lab_dir
from workbench.lab.model import Lab
from workbench.lab.problems import Problem
from workbench.paths import LAB_FILE


@dataclass(frozen=True)
class LabEntry:
    """A lab folder and what reading it gave: the lab, or the problems that stop it loading."""

    path: Path
    lab: Lab | None
    problems: tuple[Problem, ...]

    @property
    def id(self) -> str:
        return self.lab.id if self.lab else self.path.name


def list_labs() -> list[LabEntry]:
    entries = []
    for folder in lab_folders():
        lab, problems = validate_lab_dir(folder)
        entries.append(LabEntry(folder, lab if not problems else None, tuple(problems)))
    return entries


def find_lab(lab_id: str) -> Lab:
    """The lab with this id (or this path), or a LabNotFoundError listing the labs there are."""
    candidate = Path(lab_id)
    looks_like_path = "/" in lab_id or lab_id.startswith(".")
    if looks_like_path and ((candidate / LAB_FILE).is_file() or candidate.name == LAB_FILE):
        return load_lab(candidate)
    for folder in lab_folders():
        if folder.name == lab_id:
            return load_lab(folder)
    known = ", ".join(f.name for f in lab_folders()) or "none"
    raise LabNotFoundError(
        f"no lab called {lab_id!r}", f"labs available: {known} (see `workbench labs list`)"
    )
