"""One lab as the TUI drives it: workspace, runtime, the running deployment, checks and faults.

Every method blocks and is called from a worker thread; each one is a thin call into the library
(workbench.lab.workspace, workbench.runtime, workbench.faults, workbench.checks), so the CLI and
the TUI behave the same. The session registers itself with `backend` while it runs, so the app
stops it on the way out whatever happens.
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
from workbench.tui import backend

if TYPE_CHECKING:
    from workbench.checkrun.results import CheckRun
    from workbench.checkrun.runner import CheckEvent
    from workbench.lab.model import Lab
    from workbench.runtime.base import Runtime

log = logging.getLogger("workbench.tui")


class CancelledError(WorkbenchError):
    """The learner cancelled long work (start, checks)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} cancelled")


class LabSession:
    """The TUI's handle on one lab; safe to call from worker threads."""

    def __init__(self, lab: Lab, runtime: str = "local") -> None:
        self.lab = lab
        self.runtime_choice = runtime
        self.runtime: Runtime | None = None
        self.deployment: Deployment | None = None
        self.workspace: Path | None = None
        self._lock = threading.RLock()
        self._cancel_start = threading.Event()

    # -- workspace ------------------------------------------------------------------------------

    def ensure_workspace(self) -> tuple[Path, bool]:
        """The lab's workspace, created from the starter files when it has none (True if new)."""
        from workbench.lab import workspace

        found = workspace.find_workspace(self.lab.id)
        if found is not None:
            self.workspace = found
            return found, False
        if not self.lab.starter_dir.is_dir():
            raise WorkbenchError(
                f"lab {self.lab.id!r} has no starter/ folder to make a workspace from",
                f"run `workbench labs validate {self.lab.path}`",
            )
        self.workspace = workspace.init_workspace(self.lab)
        return self.workspace, True

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.deployment is not None

    @property
    def runtime_name(self) -> str:
        return self.runtime.name if self.runtime is not None else self.runtime_choice

    def attach(self) -> bool:
        """Adopt a run of this lab that is already running (started from the CLI)."""
        try:
            deployment = runs.find_run(self.lab.id)
        except NotRunningError:
            return False
        from workbench.runtime.select import runtime_for
        from workbench.runtime.stale import clean_up, inspect_run

        health = inspect_run(deployment)
        if health.stale:  # a run whose services are all gone (a reboot): replace it on start
            clean_up(health)
            return False
        runtime = runtime_for(deployment)
        with self._lock:
            self.runtime = runtime
            self.deployment = deployment
            self.workspace = deployment.workspace or self.workspace
        backend.register(self)
        return True

    def start(self, on_progress: Callable[[Progress], None]) -> Deployment:
        """Start the lab's services and wait until they are ready; `cancel_start` interrupts."""
        if self.deployment is not None:
            return self.deployment
        self._cancel_start.clear()
        runtime = _runtime_by_name(self.runtime_choice)
        self.runtime = runtime

        def progress(step: Progress) -> None:
            # The runtime calls back between steps; raising here is how a start is interrupted:
            # the runtime's own clean-up (as for Ctrl-C) stops what was started.
            if self._cancel_start.is_set():
                raise CancelledError("start")
            on_progress(step)

        backend.register(self)
        try:
            deployment = runtime.up(self.lab, self.workspace, on_progress=progress)
        except StartFailedError as exc:
            # Some services failed, the others run: keep the run so the learner can read the
            # logs, fix the code and restart the service (and so stop/quit ends the run).
            failed_run = runs.load_run(runs.run_dir_of(exc.run_id))
            with self._lock:
                self.deployment = failed_run
            if failed_run is None:
                backend.unregister(self)
            raise
        except BaseException:
            backend.unregister(self)
            raise
        with self._lock:
            self.deployment = deployment
        if self._cancel_start.is_set():  # cancelled after the last progress callback
            self.stop()
            raise CancelledError("start")
        return deployment

    def cancel_start(self) -> None:
        """Ask a running `start` to stop at its next step."""
        self._cancel_start.set()

    def stop(self) -> None:
        """Stop the run and remove what it created; does nothing when not running."""
        with self._lock:
            deployment, runtime = self.deployment, self.runtime
            self.deployment = None
        try:
            if deployment is not None and runtime is not None:
                runtime.down(deployment)
        finally:
            backend.unregister(self)

    def _require(self) -> tuple[Runtime, Deployment]:
        with self._lock:
            if self.deployment is None or self.runtime is None:
                raise NotRunningError(f"lab {self.lab.id!r} is not running", "press s to start it")
            return self.runtime, self.deployment

    def status(self) -> list[ServiceStatus]:
        runtime, deployment = self._require()
        return runtime.status(deployment)

    def service_action(self, service: str, action: str) -> None:
        """restart / kill / pause / resume one service."""
        runtime, deployment = self._require()
        if action not in ("restart", "kill", "pause", "resume"):
            raise WorkbenchError(f"unknown service action {action!r}")
        getattr(runtime, action)(deployment, service)

    def follow_logs(self, stop: threading.Event) -> Iterator[LogLine]:
        """Every service's log lines, old ones first, until `stop` is set or the run ends."""
        runtime, deployment = self._require()
        for line in runtime.logs(deployment, None, follow=True, tail=200):
            if stop.is_set():
                return
            yield line

    def live_graph(self) -> Any:
        """The topology with the runtime's states and the observed traffic merged in."""
        from workbench.topology import apply_overlay, build_graph, fetch_stats

        runtime, deployment = self._require()
        statuses = runtime.status(deployment)
        stats = fetch_stats(deployment)
        return statuses, apply_overlay(build_graph(self.lab), statuses, stats)

    # -- faults ---------------------------------------------------------------------------------

    def inject(self, kind: str, service: str, options: dict[str, Any]) -> str:
        """Inject one fault through the same API as `workbench fault`; says what was done."""
        from workbench import faults

        runtime, deployment = self._require()
        fault = faults.inject(deployment, service, kind, runtime=runtime, **options)
        if fault is None:
            return f"{service} restarted."
        return f"{fault.describe()} on {service}."

    def clear_faults(self) -> int:
        """Undo every fault of the run; returns how many there were."""
        from workbench import faults

        runtime, deployment = self._require()
        return len(faults.clear(deployment, runtime=runtime))

    # -- checks ---------------------------------------------------------------------------------

    def run_checks(
        self,
        exercise: str,
        on_event: Callable[[CheckEvent], None],
        cancel: threading.Event,
    ) -> CheckRun:
        """Run one exercise's checks (the check engine's runner, in a subprocess) and record them.

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
            deployment=deployment,
            on_event=on_event,
            cancel=cancel,
        )
        if cancel.is_set():
            raise CancelledError("checks")
        progress.record(run)
        return run

    def _checks_workspace(self, deployment: Deployment | None) -> Path:
        # What the running services really execute is what gets checked (as `workbench check`).
        if deployment is not None and deployment.workspace and deployment.workspace.is_dir():
            return deployment.workspace.resolve()
        workspace = self.workspace or self.ensure_workspace()[0]
        return workspace.resolve()


def _runtime_by_name(name: str) -> Runtime:
    from workbench.runtime.select import get_runtime

    return get_runtime(name)
