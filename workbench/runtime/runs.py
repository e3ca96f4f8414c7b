"""The run registry: one folder per run under `paths.runs_dir()`, shared by every runtime.

A run folder is created (with its run.json) *before* anything starts, so `workbench gc` can always
find what a run left behind, even when the CLI was killed half-way through a start.

Starting a lab is exclusive per lab (`start_lock`): whoever starts holds a lock file in the state
folder from "does the lab run already?" until its start is over, so two starts at the same moment
cannot both make a run; the second fails at once (`LabBusyError`), it never waits.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import NotRunningError, WorkbenchError
from workbench.paths import runs_dir, state_dir
from workbench.runtime.base import Deployment

SCRATCH_WORKSPACE = "workspace"
LOCKS = "locks"
"""Beside runs/ (never inside: every folder there is a run): one lock file per lab."""
UNRECORDED_AGE = 1.0
"""Seconds a run folder may go without its run.json before it counts as left by a killed start
(a start writes it milliseconds after making the folder)."""
LOCK_PATIENCE = 0.2
"""Seconds a start retries a taken lock before refusing: long enough to outlast a mere look
(`starting`), far too short to wait for another start (seconds to minutes)."""


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


class LabBusyError(WorkbenchError):
    """The lab is already starting or running: one run per lab."""


def _lock_path(lab_id: str) -> Path:
    return state_dir() / LOCKS / (re.sub(r"[^A-Za-z0-9_.-]", "_", lab_id) + ".start.lock")


def _try_lock(path: Path) -> int | None:
    """An open descriptor holding the exclusive lock on `path`, or None if someone else has it.

    flock: the kernel releases it when the holder dies (kill -9 included), and it is taken per open
    file, so two sessions in one process (the TUI's threads) exclude each other too. The
    descriptor is not inherited by the services a start spawns (O_CLOEXEC)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def start_lock(lab_id: str) -> Iterator[None]:
    """Hold the lab's start lock for the block, or raise LabBusyError at once (after at most
    LOCK_PATIENCE) when another start of the lab holds it.

    The lock file is never deleted (deleting a lock file others may have open breaks the lock);
    it records the holder's pid, for the refusal's message."""
    path = _lock_path(lab_id)
    give_up = time.monotonic() + LOCK_PATIENCE
    while (fd := _try_lock(path)) is None:
        if time.monotonic() >= give_up:
            raise busy_starting(lab_id)
        time.sleep(0.02)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def start_in_progress(lab_id: str) -> bool:
    """Whether another start of the lab holds its lock right now (a look: never waits)."""
    fd = _try_lock(_lock_path(lab_id))
    if fd is None:
        return True
    os.close(fd)
    return False


def busy_starting(lab_id: str) -> LabBusyError:
    """The refusal to start (or check) a lab that another start is bringing up."""
    try:
        holder = int(_lock_path(lab_id).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        holder = None
    by = f" (process {holder})" if holder and holder != os.getpid() else ""
    return LabBusyError(
        f"lab {lab_id!r} is already starting{by}: one run per lab",
        f"see it with `workbench lab status {lab_id}`; stop it with "
        f"`workbench lab stop {lab_id}` once it has started",
    )


def busy_running(deployment: Deployment, problem: str = "") -> LabBusyError:
    """The refusal to start a lab that has a run already."""
    lab_id = deployment.lab_id
    gone = f"; {problem}" if problem else ""
    return LabBusyError(
        f"lab {lab_id!r} is already running ({deployment.run_id}, {deployment.runtime}){gone}",
        f"see it with `workbench lab status {lab_id}`, or stop it first with "
        f"`workbench lab stop {lab_id}`",
    )


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


def unrecorded_folders(
    lab_id: str | None = None, *, older_than: float = UNRECORDED_AGE
) -> list[Path]:
    """Run folders (of one lab, if given) without a run.json for `older_than` seconds: what a
    start killed (kill -9) between making its folder and writing its record left behind.

    Nothing was started from such a folder (processes and containers come after the record), so
    whoever holds the lab's start lock may remove it: no start of the lab is writing it then."""
    found = []
    now = time.time()
    for folder in run_folders():
        lab, _, suffix = folder.name.rpartition("-")
        if not re.fullmatch(r"[0-9a-f]{8}", suffix) or lab_id not in (None, lab):
            continue
        with contextlib.suppress(OSError):  # (removed meanwhile)
            if (
                not (folder / Deployment.RECORD).exists()
                and now - folder.stat().st_mtime > older_than
            ):
                found.append(folder)
    return found


def remove_unrecorded(lab_id: str | None = None) -> list[str]:
    """Remove the unrecorded folders of every lab (or of one) whose start lock is free; the run
    ids of the folders removed. (A start holding the lock removes its lab's with
    `unrecorded_folders` and `remove_run`: taking the lock again would be refused.)"""
    removed = []
    for folder in unrecorded_folders(lab_id):
        try:
            with start_lock(folder.name.rpartition("-")[0]):
                if folder in unrecorded_folders(lab_id):
                    remove_run(folder)
                    removed.append(folder.name)
        except LabBusyError:
            continue  # a start of that lab is under way: the folder may be its own
    return removed


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
