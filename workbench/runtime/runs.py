"""The run registry: one folder per run under `paths.runs_dir()`, shared by every runtime.

A run folder is created (with its run.json) *before* anything starts, so `workbench gc` can always
find what a run left behind, even when the CLI was killed half-way through a start.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from workbench.errors import NotRunningError, WorkbenchError
from workbench.paths import runs_dir
from workbench.runtime.base import Deployment

SCRATCH_WORKSPACE = "workspace"


def new_run_id(lab_id: str) -> str:
    """`<lab>-<8 hex>`: readable, and unique enough for runs of one machine."""
    return f"{lab_id}-{secrets.token_hex(4)}"


def run_dir_of(run_id: str) -> Path:
    return runs_dir() / run_id


def create_run_dir(lab_id: str) -> tuple[str, Path]:
    """A fresh, empty run folder and its id."""
    root = runs_dir()
    root.mkdir(parents=True, exist_ok=True)
    while True:
        run_id = new_run_id(lab_id)
        folder = root / run_id
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return run_id, folder


def load_run(run_dir: Path) -> Deployment | None:
    """The run's Deployment, or None when the folder has no (readable) run.json."""
    try:
        return Deployment.load(run_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_runs(lab_id: str | None = None) -> list[Deployment]:
    """Every recorded run (of one lab, if given), oldest first."""
    root = runs_dir()
    runs = []
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        deployment = load_run(folder) if folder.is_dir() else None
        if deployment and (lab_id is None or deployment.lab_id == lab_id):
            runs.append(deployment)
    return sorted(runs, key=lambda d: d.started_at)


def run_folders() -> list[Path]:
    """Every run folder, including ones without a readable run.json (for gc)."""
    root = runs_dir()
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def find_run(lab_id: str) -> Deployment:
    """The newest run of a lab (or the run with this run id), or NotRunningError saying how to
    start it."""
    exact = load_run(run_dir_of(lab_id)) if "-" in lab_id else None
    if exact is not None:
        return exact
    runs = list_runs(lab_id)
    if not runs:
        raise NotRunningError(
            f"lab {lab_id!r} is not running", f"start it with `workbench lab start {lab_id}`"
        )
    return runs[-1]


def check_service(deployment: Deployment, service: str) -> None:
    """Unknown service names get the list of the lab's services."""
    if service not in deployment.endpoints:
        known = ", ".join(sorted(deployment.endpoints)) or "none"
        raise WorkbenchError(
            f"lab {deployment.lab_id!r} has no service {service!r}", f"its services: {known}"
        )


def remove_run(run_dir: Path) -> None:
    shutil.rmtree(run_dir, ignore_errors=True)


def scratch_workspace(run_dir: Path, starter: Path) -> Path | None:
    """A copy of the lab's starter files inside the run folder, for runs without a workspace.

    It lives and dies with the run; a learner who wants to keep their work makes a real workspace
    with `workbench lab init`.
    """
    if not starter.is_dir():
        return None
    target = run_dir / SCRATCH_WORKSPACE
    shutil.copytree(starter, target, dirs_exist_ok=True)
    return target
