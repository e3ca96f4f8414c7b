"""Checking a learner's work: which workspace, which run, start if asked, pre-check, run, record.

`check` is what `workbench check` does; the TUI checks one exercise at a time through
`LabSession.run_checks`. Whatever goes wrong before a check can run (the lab is not running, the
start failed, the workspace is missing) comes back as a `CheckRun` with `error` set when the caller
asks for one (`failed_run`), so a grader reading JSON always gets one object to parse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import NotRunningError, WorkbenchError

if TYPE_CHECKING:
    from workbench.app.watch import Watch
    from workbench.checkrun.results import CheckRun
    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment, Progress
    from workbench.runtime.sandbox import ChildOutput, Sandbox

Say = Callable[[str], object]


@dataclass(frozen=True)
class CheckRequest:
    exercise: str | None = None
    """One exercise; None checks them in order up to the first one not passing."""
    start: bool = False
    """Start the lab first when it is not running (and replace a stale run)."""
    runtime: str = "auto"
    workspace: Path | None = None
    """Check this folder instead of the running services' (or the recorded) workspace."""
    every_exercise: bool = False
    """Check every exercise even after one fails (grading)."""
    check_timeout: float = 30.0


@dataclass(frozen=True)
class Checked:
    run: CheckRun
    newly_passed: list[str]
    """Exercises this run passed for the first time."""


def check(
    lab: Lab,
    request: CheckRequest,
    *,
    note: Say,
    busy: Say | None = None,
) -> Checked:
    """Check the learner's work and record their progress.

    `note` gets one-line remarks the learner should read (the services run on another
    workspace, a stale run was removed, the lab was started); `busy` gets what is going on now
    (starting, checking), for a spinner.
    """
    from workbench.checkrun import progress
    from workbench.checkrun.runner import files_that_do_not_load, run_checks, select_exercises

    say_busy = busy or (lambda _text: None)
    selected = None if request.exercise is None else select_exercises(lab, request.exercise)
    # Files-only exercises (`needs_services: false`) are checked on the workspace alone: nothing
    # is looked up, started or needed running, whatever the state of the lab's runs.
    needs = lab.needs_services(selected)
    deployment = _running(lab, start=request.start, note=note) if needs else None
    workspace = _workspace(lab, request.workspace, deployment)
    _note_other_workspace(lab, deployment, workspace, note)
    # Files that do not load are reported first: starting services on them would only crash.
    # Importing them runs the learner's code: where the run's (or the start's) runtime runs it.
    sandbox = _sandbox(lab, request, deployment, busy=say_busy, selected=selected)
    run = files_that_do_not_load(lab, workspace, selected, sandbox=sandbox)
    if run is None:
        if needs and deployment is None:
            deployment = _start(lab, request, workspace, note=note, busy=say_busy)
        say_busy(f"checking {lab.id}…")
        run = run_checks(
            lab,
            workspace,
            exercises=selected,
            deployment=deployment,
            stop_at_failure=not request.every_exercise and request.exercise is None,
            check_timeout=request.check_timeout,
            precheck=False,
        )
    return Checked(run, progress.record(run))


def _sandbox(
    lab: Lab,
    request: CheckRequest,
    deployment: Deployment | None,
    *,
    busy: Say,
    selected: list[str] | None = None,
) -> Sandbox:
    """Where the pre-check imports the learner's files: in a container like the services' when
    the run is a Docker run or the start will be one, on the host otherwise.

    With `--start --runtime auto` and an engine that answers, that is Docker; when its images
    cannot be baked the start falls back to the local runtime, and so does the pre-check.
    """
    from workbench.checkrun.runner import sandbox_for

    if deployment is not None or not (request.start and lab.needs_services(selected)):
        return sandbox_for(lab, deployment)
    if request.runtime not in ("docker", "auto"):
        return sandbox_for(lab, None)
    from workbench.runtime.select import docker_available

    if request.runtime == "auto" and not docker_available():
        return sandbox_for(lab, None)
    from workbench.runtime.docker.sandbox import DockerPython

    def progress(step: Progress) -> None:  # a cold bake takes minutes: show it
        busy(f"baking {lab.id}'s images: {step.service} {step.detail}".rstrip())

    docker = DockerPython(lab, on_progress=progress)
    return docker if request.runtime == "docker" else _AutoSandbox(docker)


class _AutoSandbox:
    """Docker's sandbox for `--runtime auto`; the host's when the images cannot be baked (the
    start then runs the lab on the local runtime: its services load the files on the host)."""

    def __init__(self, docker: Sandbox) -> None:
        self.docker = docker

    def run_python(
        self, script: str, args: list[str], *, workspace: Path, paths: list[Path], timeout: float
    ) -> ChildOutput:
        from workbench.bakery.build import BakeError
        from workbench.runtime.sandbox import HostPython

        try:
            return self.docker.run_python(
                script, args, workspace=workspace, paths=paths, timeout=timeout
            )
        except BakeError:
            pass  # the start says why, and that it runs on the local runtime instead
        return HostPython().run_python(
            script, args, workspace=workspace, paths=paths, timeout=timeout
        )


def keep_checks_warm() -> None:
    """This process checks again and again (the TUI, watch mode): fork each check run from a
    warm checks process instead of starting Python and pytest anew (`workbench.checkrun.warm`)."""
    from workbench.checkrun import warm

    warm.enable()


def failed_run(lab_id: str, error: WorkbenchError) -> CheckRun:
    """A run that never got to its checks, saying why (for `--json` and JUnit readers)."""
    from workbench.checkrun.results import CheckRun

    text = error.message if not error.hint else f"{error.message} ({error.hint})"
    return CheckRun(lab_id=lab_id, workspace=None, selected=[], error=text)


def _running(lab: Lab, *, start: bool, note: Say) -> Deployment | None:
    """The lab's running deployment, if any (asked only when the checks need the services).

    A recorded run whose services are all gone (a reboot, removed containers) is no deployment
    to check against: with `start` it is cleaned up (and a new one started), else it is an error
    that says what to do; unless another start of the lab is under way (LabBusyError).
    """
    from workbench.runtime.runs import busy_starting, find_run, start_in_progress
    from workbench.runtime.stale import clean_up, inspect_run

    if not lab.runs_services:
        return None
    try:
        deployment = find_run(lab.id)
    except NotRunningError:
        return None
    health = inspect_run(deployment)
    if not health.stale:
        return deployment
    if start_in_progress(lab.id):  # no live service yet, but not stale: it is coming up
        raise busy_starting(lab.id)
    if start:
        clean_up(health)
        note(f"removed {health.problem()}")
        return None
    raise NotRunningError(
        health.problem(),
        health.hint() + f"; or clean up and start in one go: `workbench check {lab.id} --start`",
    )


def _start(lab: Lab, request: CheckRequest, workspace: Path, *, note: Say, busy: Say) -> Deployment:
    """With `start`, start the lab on the workspace; otherwise say how to."""
    from workbench.app.session import LabSession

    if not request.start:
        files_only = [e.id for e in lab.exercises if not e.needs_services]
        alone = (
            f"; or check the files-only exercise {files_only[0]!r} alone: "
            f"`workbench check {lab.id} {files_only[0]}`"
            if files_only and request.exercise is None
            else ""
        )
        raise NotRunningError(
            f"lab {lab.id!r} is not running, and its checks talk to its services",
            f"start it with `workbench lab start {lab.id}`, or check with "
            f"`workbench check {lab.id} --start`{alone}",
        )
    session = LabSession(lab, request.runtime, note=note)
    session.use_workspace(workspace)

    def progress(step: Progress) -> None:  # a cold Docker bake takes minutes: show it
        busy(f"starting {lab.id}: {step.service} {step.phase} {step.detail}".rstrip())

    busy(f"starting {lab.id}…")
    deployment = session.start(progress)
    note(
        f"started {lab.id} ({deployment.run_id}, {deployment.runtime}); it keeps running: stop "
        f"it with `workbench lab stop {lab.id}`"
    )
    return deployment


def _workspace(lab: Lab, explicit: Path | None, deployment: Deployment | None) -> Path:
    from workbench.lab.workspace import WorkspaceError, require_workspace

    if explicit is not None:
        if not explicit.is_dir():
            raise WorkspaceError(f"{explicit} is not a folder", "give your workspace folder")
        return explicit.resolve()
    if deployment is not None and deployment.workspace and deployment.workspace.is_dir():
        return deployment.workspace.resolve()  # what the running services really execute
    return require_workspace(lab).resolve()


def _note_other_workspace(
    lab: Lab, deployment: Deployment | None, workspace: Path, note: Say
) -> None:
    if deployment is None or not deployment.workspace:
        return
    if not deployment.workspace.is_dir():
        note(
            f"the running services use {deployment.workspace}, which no longer exists: restart "
            f"the lab on your workspace (`workbench lab stop {lab.id}`, then `workbench lab "
            f"start {lab.id}`)"
        )
    elif workspace != deployment.workspace.resolve():
        note(f"the running services use {deployment.workspace}, not {workspace}")


def watch_of(lab: Lab, exercise: str | None, *, workspace: Path | None = None) -> Watch:
    """The watch of `workbench watch LAB [EXERCISE]`: the exercise given, else the first one not
    passed yet; the running deployment when it needs services (an error saying how to start the
    lab otherwise)."""
    from workbench.app.watch import Watch
    from workbench.checkrun.progress import lab_progress
    from workbench.checkrun.runner import select_exercises

    if not lab.exercises:
        raise WorkbenchError(f"lab {lab.id!r} has no exercises to watch")
    if exercise is None:
        done = {ex for ex, p in lab_progress(lab.id).items() if p.last_status == "passed"}
        exercise = next((e.id for e in lab.exercises if e.id not in done), lab.exercises[-1].id)
    else:
        select_exercises(lab, exercise)  # a clear error for an unknown one
    deployment = None
    if lab.needs_services([exercise]):
        deployment = _running(lab, start=False, note=lambda _t: None)
        if deployment is None:
            raise NotRunningError(
                f"lab {lab.id!r} is not running, and the checks of {exercise!r} talk to its "
                "services",
                f"start it with `workbench lab start {lab.id}` (in another terminal, or first), "
                "then watch",
            )
    return Watch(lab, exercise, _workspace(lab, workspace, deployment), deployment)
