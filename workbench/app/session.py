"""One lab and everything a learner does with it: open, start, stop, service actions, faults,
status, logs, the live graph and checks.

Both front ends drive a lab through a `LabSession` (the CLI for one command, the TUI for as long as
the lab screen is open), so they cannot drift apart: a pause from the TUI is in the fault record
like one from `workbench fault`, a restart forgets the faults the old process had, a stale run is
cleaned up the same way. Every method blocks; the TUI calls them from worker threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import NotRunningError, StartFailedError, WorkbenchError
from workbench.runtime import runs
from workbench.runtime.base import Deployment, LogLine, Progress, ServiceStatus

if TYPE_CHECKING:
    import networkx as nx

    from workbench.app.design import DesignView
    from workbench.app.editing import FileDiff
    from workbench.app.live import LiveTopology
    from workbench.app.watch import Watch
    from workbench.checkrun.results import CheckEvent, CheckRun
    from workbench.lab.model import Lab
    from workbench.runtime.base import Runtime
    from workbench.runtime.fault_record import ActiveFault

log = logging.getLogger("workbench.app")

Note = Callable[[str], object]
"""Where a session says, in one line, something the user should know (a stale run removed, a
fallback to the local runtime). The CLI prints it; the TUI shows a notification."""

SERVICE_ACTIONS = ("restart", "kill", "pause", "resume")

LOCAL_RUNTIME_NOTE = (
    "The local runtime runs the learner's code as you, on this machine, unconfined: it can read, "
    "write and start whatever you can. For code you did not write (grading), use the Docker "
    "runtime (ctrl+r, or `--runtime docker`)."
)
"""What the TUI says the first time a lab starts on the local runtime (the README says it too)."""


class CancelledError(WorkbenchError):
    """The user cancelled long work (start, checks)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} cancelled")


def _ignore(_text: str) -> None:
    return None


class LabSession:
    """The use cases of one lab; safe to call from worker threads."""

    def __init__(self, lab: Lab | str, runtime: str = "auto", *, note: Note | None = None) -> None:
        # A session on a run found by id needs no lab folder until it starts or checks: a run
        # started from another labs path can still be inspected, broken and stopped.
        self._lab = lab if not isinstance(lab, str) else None
        self.lab_id = lab if isinstance(lab, str) else lab.id
        self._runtime_choice = runtime
        self.runtime: Runtime | None = None
        self.deployment: Deployment | None = None
        self.workspace: Path | None = None
        self.note: Note = note or _ignore
        self._lock = threading.RLock()
        self._cancel_start = threading.Event()
        self._live: LiveTopology | None = None

    @property
    def lab(self) -> Lab:
        """The lab, read from its folder the first time it is needed."""
        if self._lab is None:
            from workbench.lab import find_lab, load_lab

            # A run records the folder it was started from: the same lab, whatever the labs path.
            recorded = self.deployment.lab_path if self.deployment is not None else None
            if recorded is not None and recorded.is_dir():
                self._lab = load_lab(recorded)
            else:
                self._lab = find_lab(self.lab_id)
        return self._lab

    @property
    def runtime_choice(self) -> str:
        """auto, local or docker: what the next start runs on."""
        return self._runtime_choice

    @runtime_choice.setter
    def runtime_choice(self, choice: str) -> None:
        with self._lock:
            self._runtime_choice = choice
            if self.deployment is None:
                self.runtime = None

    @classmethod
    def of_run(cls, lab_or_run: str, *, note: Note | None = None) -> LabSession:
        """A session on a run that already runs, found by lab id (its newest run) or run id."""
        from workbench.runtime.select import runtime_for

        deployment = runs.find_run(lab_or_run)
        session = cls(deployment.lab_id, deployment.runtime, note=note)
        session.runtime = runtime_for(deployment)
        session.deployment = deployment
        session.workspace = deployment.workspace
        return session

    # -- workspace ------------------------------------------------------------------------------

    def ensure_workspace(self) -> tuple[Path, bool]:
        """The lab's workspace, created from the starter files when it has none (True if new)."""
        from workbench.lab import workspace

        found = workspace.find_workspace(self.lab_id)
        if found is not None:
            self.workspace = found
            return found, False
        if not self.lab.starter_dir.is_dir():
            raise WorkbenchError(
                f"lab {self.lab_id!r} has no starter/ folder to make a workspace from",
                f"run `workbench labs validate {self.lab.path}`",
            )
        self.workspace = workspace.init_workspace(self.lab)
        return self.workspace, True

    def use_workspace(self, folder: Path | None) -> Path | None:
        """Run on this folder (None: the workspace `lab init` made, if any, else a scratch copy
        of the starter files that lives as long as the run)."""
        if folder is not None:
            if not folder.is_dir():
                raise WorkbenchError(
                    f"workspace {folder} is not a folder",
                    f"create one with `workbench lab init {self.lab_id} {folder}`",
                )
            self.workspace = folder.resolve()
            return self.workspace
        from workbench.lab.workspace import find_workspace

        self.workspace = find_workspace(self.lab_id)
        return self.workspace

    # -- the run --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.deployment is not None

    @property
    def runtime_name(self) -> str:
        return self.runtime.name if self.runtime is not None else self.runtime_choice

    def open(self) -> bool:
        """Adopt the lab's run if one runs (started from another shell); True if adopted.

        Runs whose services are all gone (a reboot, removed containers) are removed, saying so:
        they answer nothing and would only confuse a start or a check. Not while another start
        of the lab is under way: its run has no live service yet, and is not stale (it is
        adopted, and comes up).
        """
        from workbench.runtime.select import runtime_for

        adopted = self._newest_run(clean=not runs.start_in_progress(self.lab_id))
        if adopted is None:
            return False
        with self._lock:
            self.runtime = runtime_for(adopted)
            self.deployment = adopted
            self.workspace = adopted.workspace or self.workspace
        return True

    def refuse_if_busy(self) -> None:
        """LabBusyError if the lab is already starting or running (one run per lab), saying how
        to see it; stale runs are removed on the way, saying so. `start` asks the same under
        the lab's start lock; a front end asks first to refuse before it says anything."""
        with runs.start_lock(self.lab_id):
            self._refuse_running()

    def _refuse_running(self) -> None:
        """Under the lab's start lock: refuse if the lab runs; remove what killed starts left."""
        from workbench.runtime.stale import inspect_run

        for folder in runs.unrecorded_folders(self.lab_id):
            runs.remove_run(folder)
            self.note(f"removed {folder.name}: a start that was killed before it recorded its run")
        running = self._newest_run(clean=True)
        if running is not None:
            raise runs.busy_running(running, inspect_run(running).problem())

    def _newest_run(self, *, clean: bool) -> Deployment | None:
        """The lab's newest run that runs; with `clean`, stale runs are removed, saying so."""
        from workbench.runtime.stale import clean_up, inspect_run

        newest: Deployment | None = None
        for deployment in runs.list_runs(self.lab_id):
            health = inspect_run(deployment)
            if health.stale and clean:
                clean_up(health)
                self.note(f"removed {health.problem()}")
            elif newest is None or deployment.started_at > newest.started_at:
                newest = deployment
        return newest

    def start(
        self,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        deadline: float = 60.0,
    ) -> Deployment:
        """Start the lab's services and wait until they are ready; `cancel_start` interrupts.

        One run per lab, whoever starts it (CLI, `check --start`, the TUI, any shell): the lab's
        start lock is held from "does it run already?" until the start is over, so of two starts
        at the same moment one runs the lab and the other raises LabBusyError at once (already
        starting, or already running), never waiting. Holding it to the end, not just until the
        run record is written, keeps a start that has no live service yet (a Docker bake) from
        looking stale to another start, which would remove it.

        A start that fails for some services keeps the run (the learner reads the logs, fixes the
        code and restarts the service) and raises StartFailedError.
        """
        if self.deployment is not None:
            return self.deployment
        self._cancel_start.clear()
        with runs.start_lock(self.lab_id):
            self._refuse_running()
            return self._start(on_progress, deadline)

    def _start(self, on_progress: Callable[[Progress], None] | None, deadline: float) -> Deployment:
        def progress(step: Progress) -> None:
            # The runtime calls back between steps; raising here is how a start is interrupted:
            # the runtime's own clean-up (as for Ctrl-C) stops what was started.
            if self._cancel_start.is_set():
                raise CancelledError("start")
            if on_progress is not None:
                on_progress(step)

        try:
            deployment = self._up(progress, deadline)
        except StartFailedError as exc:
            with self._lock:
                self.deployment = runs.load_run(runs.run_dir_of(exc.run_id))
            raise
        with self._lock:
            self.deployment = deployment
        if self._cancel_start.is_set():  # cancelled after the last progress callback
            self.stop()
            raise CancelledError("start")
        return deployment

    def choose_runtime(self) -> Runtime:
        """The runtime the next start uses (`auto`: Docker when an engine answers, else local)."""
        from workbench.runtime.select import get_runtime

        with self._lock:
            if self.runtime is None or self.deployment is None:
                self.runtime = get_runtime(self.runtime_choice)
            return self.runtime

    def _up(self, progress: Callable[[Progress], None], deadline: float) -> Deployment:
        from workbench.runtime.select import get_runtime

        runtime = self.runtime or self.choose_runtime()
        try:
            return runtime.up(self.lab, self.workspace, on_progress=progress, deadline=deadline)
        except WorkbenchError as exc:
            if not (self.runtime_choice == "auto" and _is_bake_failure(exc)):
                raise
            # `auto` promises a lab that runs: an engine that answers but cannot bake this lab's
            # images (no root image, no debootstrap, a full disk) is no reason to fail.
            self.note(
                f"the Docker images could not be baked ({exc.message.splitlines()[0]}): "
                "running on the local runtime instead"
            )
        local = get_runtime("local")
        self.runtime = local
        return local.up(self.lab, self.workspace, on_progress=progress, deadline=deadline)

    def cancel_start(self) -> None:
        """Ask a running `start` to stop at its next step."""
        self._cancel_start.set()

    @property
    def start_cancelled(self) -> bool:
        """Whether a cancel was asked for since the last start began (it may have come too late)."""
        return self._cancel_start.is_set()

    def stop(self) -> None:
        """Stop the run and remove what it created; does nothing when not running."""
        with self._lock:
            deployment, runtime = self.deployment, self.runtime
            self.deployment = None
            self.runtime = None  # the next start chooses again (the choice may have changed)
            live, self._live = self._live, None
        if live is not None:
            live.close()
        if deployment is not None and runtime is not None:
            runtime.down(deployment)

    def _require(self) -> tuple[Runtime, Deployment]:
        with self._lock:
            if self.deployment is None or self.runtime is None:
                raise NotRunningError(
                    f"lab {self.lab_id!r} is not running",
                    f"start it (`workbench lab start {self.lab_id}`, or s in the workbench)",
                )
            return self.runtime, self.deployment

    def require(self) -> Deployment:
        """The running deployment, or NotRunningError saying how to start it."""
        return self._require()[1]

    def status(self) -> list[ServiceStatus]:
        """Each service's state, URL and active faults."""
        runtime, deployment = self._require()
        return runtime.status(deployment)

    # -- services and faults --------------------------------------------------------------------

    def service_action(self, service: str, action: str) -> None:
        """restart / kill / pause / resume one service, through the fault record (so `lab
        status` shows a pause and `fault clear` undoes it, whoever asked for it)."""
        from workbench.runtime import faults

        runtime, deployment = self._require()
        if action not in SERVICE_ACTIONS:
            raise WorkbenchError(
                f"unknown service action {action!r}", f"one of: {', '.join(SERVICE_ACTIONS)}"
            )
        if action == "resume":
            faults.resume(deployment, service, runtime=runtime)
        else:
            self.inject(action, service, {})

    def restart(self, service: str) -> None:
        """Restart one service (same URL); the faults of its old process end with it."""
        from workbench.runtime import faults

        runtime, deployment = self._require()
        runs.check_service(deployment, service)
        faults.inject(deployment, service, "restart", runtime=runtime)

    def inject(self, kind: str, service: str, options: dict[str, Any]) -> ActiveFault | None:
        """Inject one fault, recorded in the run's fault record (None for the one-shot
        `restart`, which ends the old process's faults instead)."""
        from workbench.runtime import faults

        runtime, deployment = self._require()
        return faults.inject(deployment, service, kind, runtime=runtime, **options)

    def crash_points(self, service: str | None = None) -> dict[str, list[str]]:
        """The crash points each running kit service declares ({service: points}); only
        `service` when given (then a service that does not answer is a WorkbenchError, else it
        is left out: a crashed or paused service offers none now)."""
        from workbench.runtime import faults

        deployment = self.require()
        if service is not None:
            return {service: faults.crash_points(deployment, service)}
        found: dict[str, list[str]] = {}
        for name, endpoint in deployment.endpoints.items():
            if endpoint.kind != "http":
                continue
            try:
                points = faults.crash_points(deployment, name)
            except WorkbenchError:
                continue
            if points:
                found[name] = points
        return found

    def faults(self) -> list[ActiveFault]:
        """The run's active faults, oldest first."""
        from workbench.runtime import fault_record

        return fault_record.active(self.require())

    def clear_faults(self) -> int:
        """Undo every fault of the run; returns how many there were."""
        from workbench.runtime import faults

        runtime, deployment = self._require()
        return len(faults.clear(deployment, runtime=runtime))

    # -- watching -------------------------------------------------------------------------------

    def logs(
        self, service: str | None = None, *, follow: bool = False, tail: int | None = None
    ) -> Iterator[LogLine]:
        runtime, deployment = self._require()
        if service is not None:
            runs.check_service(deployment, service)
        return runtime.logs(deployment, service, follow=follow, tail=tail)

    def follow_logs(self, stop: threading.Event) -> Iterator[LogLine]:
        """Every service's log lines, old ones first, until `stop` is set or the run ends."""
        for line in self.logs(None, follow=True, tail=200):
            if stop.is_set():
                return
            yield line

    def live_graph(self) -> tuple[list[ServiceStatus], nx.MultiDiGraph]:
        """The services' states, and the topology with them and the observed traffic merged in
        (paused or crashed services are not asked for stats: they would only cost a timeout)."""
        from workbench.app.live import LiveTopology

        runtime, deployment = self._require()
        with self._lock:
            if self._live is None:
                self._live = LiveTopology(self.lab)
            live = self._live
        return live.snapshot(deployment, runtime)

    # -- checks ---------------------------------------------------------------------------------

    def run_checks(
        self,
        exercise: str,
        on_event: Callable[[CheckEvent], None],
        cancel: threading.Event,
    ) -> CheckRun:
        """Run one exercise's checks (in a subprocess) and record the learner's progress.

        Cancelling: setting `cancel` makes the runner kill the checks' process group at once,
        even while a check hangs and no event arrives.
        """
        from workbench.checkrun import progress
        from workbench.checkrun.runner import run_checks

        with self._lock:
            deployment = self.deployment
        workspace = self._checks_workspace(deployment)
        run = run_checks(
            self.lab,
            workspace,
            exercises=[exercise],
            # A files-only exercise is checked on the workspace alone, running or not.
            deployment=deployment if self.lab.needs_services([exercise]) else None,
            on_event=on_event,
            cancel=cancel,
        )
        if cancel.is_set():
            raise CancelledError("checks")
        progress.record(run)
        return run

    def learner_path(self, exercise: str | None) -> Path:
        """The first learner file of `exercise` in the workspace the checks read."""
        from workbench.app.editing import learner_file

        with self._lock:
            deployment = self.deployment
        return learner_file(self.lab, self._checks_workspace(deployment), None, exercise=exercise)

    def changes(self, exercise: str | None) -> list[FileDiff]:
        """What the learner changed in the exercise's files since the starter."""
        from workbench.app.editing import diff_against_starter, exercise_files

        with self._lock:
            deployment = self.deployment
        workspace = self._checks_workspace(deployment)
        return diff_against_starter(self.lab, workspace, exercise_files(self.lab, exercise))

    def watch(self, exercise: str) -> Watch:
        """Watch mode for one exercise, on the workspace the checks read (and the running
        deployment, when its checks need services: an error saying how to start otherwise)."""
        from workbench.app.watch import Watch

        needs = self.lab.needs_services([exercise])
        with self._lock:
            deployment = self.deployment if needs else None
        if needs and deployment is None:
            raise NotRunningError(
                f"the checks of {exercise!r} talk to the lab's services, and they are not running",
                "start the lab first",
            )
        return Watch(self.lab, exercise, self._checks_workspace(deployment), deployment)

    # -- the learner's design ---------------------------------------------------------------------

    def design(self) -> DesignView:
        """The learner's design drawn by the lab's `design_graph` (in a child process), from
        the workspace the checks read; a problem with their files comes back as a sentence."""
        from workbench.app.design import design_view

        with self._lock:
            deployment = self.deployment
        return design_view(self.lab, self._checks_workspace(deployment))

    def _checks_workspace(self, deployment: Deployment | None) -> Path:
        # What the running services really execute is what gets checked (as `workbench check`).
        if deployment is not None and deployment.workspace and deployment.workspace.is_dir():
            return deployment.workspace.resolve()
        workspace = self.workspace or self.ensure_workspace()[0]
        return workspace.resolve()


def _is_bake_failure(exc: WorkbenchError) -> bool:
    from workbench.bakery.build import BakeError

    return isinstance(exc, BakeError)
