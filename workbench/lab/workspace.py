"""Learner workspaces: the learner's own copy of a lab's starter files.

Convention: a lab's workspace is `~/workbench-labs/<lab-id>` (the folder `WORKBENCH_HOME` names
instead, when set; one made under the old default `~/workbench/<lab-id>` is still found), or any
folder the learner picks with `workbench lab init LAB DIR`. Where each lab's workspace lives is
recorded in the state dir (`workspaces.json`), so `check` and `lab start` find it from any current
directory.

Resetting never loses work: every file a reset replaces is first copied into
`<workspace>/.workbench-backup/<timestamp>/`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.lab.model import Lab
from workbench.paths import legacy_workspaces_dir, state_dir, workspaces_dir

BACKUP_DIR = ".workbench-backup"
RECORD_FILE = "workspaces.json"


class WorkspaceError(WorkbenchError):
    """A workspace that cannot be created, found or reset as asked."""


@dataclass(frozen=True)
class ResetResult:
    workspace: Path
    restored: tuple[str, ...]
    """Files (relative to the workspace) put back to their starter version."""
    backup: Path | None
    """Where the replaced files were copied; None when nothing existed to replace."""


def default_workspace(lab_id: str) -> Path:
    """Where `lab init` puts a lab's workspace when no folder is given."""
    return workspaces_dir() / lab_id


def _record_path() -> Path:
    return state_dir() / RECORD_FILE


def _read_record() -> dict[str, str]:
    try:
        data = json.loads(_record_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember_workspace(lab_id: str, folder: Path) -> None:
    """Record where a lab's workspace lives (written atomically: two shells may race)."""
    record = _read_record()
    record[lab_id] = str(folder.resolve())
    path = _record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def find_workspace(lab_id: str) -> Path | None:
    """The recorded workspace of a lab if it still exists, else the default one if it exists
    (the new default, then the old `~/workbench/<lab>`, so a move of the default loses nothing)."""
    recorded = _read_record().get(lab_id)
    if recorded and Path(recorded).is_dir():
        return Path(recorded)
    legacy = legacy_workspaces_dir()
    for default in (default_workspace(lab_id), legacy / lab_id if legacy else None):
        if default is not None and default.is_dir():
            return default
    return None


def require_workspace(lab: Lab) -> Path:
    """The lab's workspace, or an error that says how to create one."""
    folder = find_workspace(lab.id)
    if folder is None:
        raise WorkspaceError(
            f"lab {lab.id!r} has no workspace yet",
            f"create one with `workbench lab init {lab.id}` (it goes to "
            f"{default_workspace(lab.id)}), or pass the folder with --workspace DIR",
        )
    return folder


def starter_files(lab: Lab) -> list[str]:
    """Every file of the lab's starter folder, relative to it, in a stable order."""
    root = lab.starter_dir
    if not root.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def init_workspace(lab: Lab, folder: Path | None = None) -> Path:
    """Create a workspace holding a copy of the lab's starter files, and record it.

    Refuses a folder that exists and is not empty: a learner's work is never overwritten.
    """
    target = (folder or default_workspace(lab.id)).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target} is a file, not a folder", "pass a folder for the workspace")
    if target.is_dir() and any(target.iterdir()):
        raise WorkspaceError(
            f"{target} already exists and is not empty; the workbench never overwrites your work",
            f"keep working there (`workbench check {lab.id}`), restore the starter files with "
            f"`workbench lab reset {lab.id}`, or give another folder: "
            f"`workbench lab init {lab.id} DIR`",
        )
    target.mkdir(parents=True, exist_ok=True)
    for rel in starter_files(lab):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lab.starter_dir / rel, dest)
    remember_workspace(lab.id, target)
    return target


def reset(lab: Lab, exercise: str | None = None, *, workspace: Path | None = None) -> ResetResult:
    """Put back the starter files of one exercise (or all of them), backing up what they replace."""
    folder = workspace or require_workspace(lab)
    if exercise is None:
        files = starter_files(lab)
    else:
        try:
            files = list(lab.exercise(exercise).files)
        except KeyError:
            known = ", ".join(e.id for e in lab.exercises) or "none"
            raise WorkspaceError(
                f"lab {lab.id!r} has no exercise {exercise!r}", f"exercises: {known}"
            ) from None
    missing = [rel for rel in files if not (lab.starter_dir / rel).is_file()]
    if missing:
        raise WorkspaceError(
            f"the lab's starter/ folder has no {', '.join(missing)}",
            "the lab is incomplete: run `workbench labs validate` on it",
        )
    replaced = [rel for rel in files if (folder / rel).exists()]
    backup = _backup(folder, replaced) if replaced else None
    for rel in files:
        dest = folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lab.starter_dir / rel, dest)
    return ResetResult(folder, tuple(files), backup)


def _backup(folder: Path, files: list[str]) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup = folder / BACKUP_DIR / stamp
    n = 1
    while backup.exists():  # two resets in one second keep both backups
        n += 1
        backup = folder / BACKUP_DIR / f"{stamp}-{n}"
    for rel in files:
        dest = backup / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / rel, dest)
    return backup
