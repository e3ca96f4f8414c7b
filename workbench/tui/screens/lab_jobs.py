"""The lab screen's long work: start, stop, checks, service actions, faults, logs and live refresh.

Each job runs in a thread worker (the library calls block) and reports back with a `WorkDone`
message; `post_message` is thread-safe, so workers never block on the UI. Log lines are buffered
by a follower thread and drained into the logs panel ten times a second.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker

from workbench.app.session import LOCAL_RUNTIME_NOTE, CancelledError
from workbench.runtime.base import LogLine, Progress, ServiceState, ServiceStatus
from workbench.tui import backend
from workbench.tui.messages import (
    CheckProgress,
    DesignUpdate,
    LiveUpdate,
    StartProgress,
    WatchUpdate,
    WorkDone,
)

if TYPE_CHECKING:
    from workbench.app.session import LabSession
    from workbench.app.watch import WatchEvent
    from workbench.checkrun.results import CheckEvent
    from workbench.lab.model import Lab
    from workbench.tui.widgets.faults import FaultChoice
    from workbench.tui.widgets.instructions import InstructionsViewer

log = logging.getLogger("workbench.tui")

REFRESH_SECONDS = 1.0
DESIGN_POLL_SECONDS = 1.0
FLUSH_SECONDS = 0.1
MAX_LINES_PER_FLUSH = 400


class LabState(Protocol):
    """What the jobs read and set on the lab screen, which implements it (so this module needs
    no import of the screen's)."""

    lab: Lab
    session: LabSession
    phase: str
    checking: bool

    @property
    def instructions(self) -> InstructionsViewer: ...


class LabJobs:
    """The lab screen's helper for everything that runs off the UI thread."""

    def __init__(self, screen: Screen[Any], state: LabState) -> None:
        self.screen = screen
        """Where the jobs run workers and post their messages."""
        self.state = state
        self.lab = state.lab
        self.session = state.session
        self._log_stop = threading.Event()
        self._log_buffer: deque[LogLine] = deque(maxlen=20000)
        self._log_thread: threading.Thread | None = None
        self._check_cancel = threading.Event()
        self._live_timers: list[Timer] = []
        self._crashed: set[str] = set()
        self._lifecycle_worker: Worker[None] | None = None
        self._checks_worker: Worker[None] | None = None
        self._start_cancelled_late = False
        self._design_timer: Timer | None = None
        self._design_stamp: tuple[tuple[str, int], ...] = ()
        self._watch_stop: threading.Event | None = None
        self._watch_thread: threading.Thread | None = None

    def _job(self, name: str, fn: Callable[[], object], *, group: str) -> Worker[None]:
        """Run `fn` in a thread; its result or exception comes back as WorkDone(name)."""

        def run() -> None:
            try:
                result = fn()
            except BaseException as exc:
                if not isinstance(exc, Exception | CancelledError):
                    raise
                self.screen.post_message(WorkDone(name, error=exc))
                return
            self.screen.post_message(WorkDone(name, result=result))

        return self.screen.run_worker(run, thread=True, group=group, name=name, exit_on_error=False)

    # -- preparing, starting and stopping -------------------------------------------------------

    def prepare(self) -> None:
        """Find (or create) the workspace, and adopt a run of this lab that already runs."""

        def work() -> tuple[Path | None, bool, bool]:
            workspace, created = (None, False)
            if self.lab.starter_dir.is_dir():
                workspace, created = self.session.ensure_workspace()
            attached = self.lab.runs_services and self.session.open()
            return workspace, created, attached

        self._job("prepare", work, group="lifecycle")

    def start_worker(self) -> None:
        def progress(step: Progress) -> None:
            self.screen.post_message(StartProgress(step.service, step.phase, step.detail))

        def work() -> None:
            if self.session.workspace is None and self.lab.starter_dir.is_dir():
                self.session.ensure_workspace()
            self.session.start(progress)

        self._lifecycle_worker = self._job("start", work, group="lifecycle")

    def stop_worker(self) -> None:
        self._stop_live()
        self._lifecycle_worker = self._job("stop", self.session.stop, group="lifecycle")

    async def stop_and_wait(self) -> None:
        """Stop whatever runs (cancelling a start or checks first) and wait until it is done."""
        self.query_one_activity().begin(f"Stopping {self.lab.id}…", cancellable=False)
        if self.state.checking:
            self.cancel_checks()
        if self.state.phase == "starting":
            self.session.cancel_start()
        for worker in (self._lifecycle_worker, self._checks_worker):
            if worker is not None and worker.is_running:
                await worker.wait()
        self._stop_live()
        await asyncio.to_thread(self.session.stop)
        self.state.phase = "stopped"
        self.query_one_activity().end()

    def shutdown(self) -> None:
        """Stop everything now, synchronously (the screen is going away)."""
        self._log_stop.set()
        self.stop_watch()
        self.session.cancel_start()
        self._check_cancel.set()
        if self.session.running:
            try:
                self.session.stop()
            except Exception:
                log.exception("stopping %s when its screen closed", self.lab.id)

    def query_one_activity(self) -> Any:
        from workbench.tui.widgets.activity import ActivityBar

        return self.screen.query_one(ActivityBar)

    # -- checks, service actions, faults --------------------------------------------------------

    def check_worker(self, exercise: str) -> None:
        self._check_cancel.clear()
        cancel = self._check_cancel

        def on_event(event: CheckEvent) -> None:
            if event.kind == "collected":
                self.screen.post_message(CheckProgress(total=event.total))
            elif event.kind == "finished" and event.result is not None:
                self.screen.post_message(CheckProgress(result=event.result))

        def work() -> object:
            run = self.session.run_checks(exercise, on_event, cancel)
            return exercise, run

        self._checks_worker = self._job("check", work, group="checks")

    def cancel_checks(self) -> None:
        self._check_cancel.set()

    # -- watch mode -----------------------------------------------------------------------------

    @property
    def watching(self) -> bool:
        return self._watch_stop is not None

    def start_watch(self, exercise: str) -> None:
        """Check `exercise` on every save (the application's watch loop, in a thread of its
        own: a worker would be joined at exit while the loop waits for a save). Raises when the
        exercise needs services that do not run."""
        self.stop_watch()
        watch = self.session.watch(exercise)
        stop = threading.Event()

        def post(event: WatchEvent) -> None:
            self.screen.post_message(WatchUpdate(event))

        def run() -> None:
            try:
                watch.run(post, stop)
            except Exception:
                log.exception("watch mode of %s ended", exercise)

        self._watch_stop = stop
        self._watch_thread = threading.Thread(target=run, name="wb-watch", daemon=True)
        self._watch_thread.start()

    def stop_watch(self) -> None:
        """Leave watch mode; a run it started is cancelled (the loop kills its checks)."""
        if self._watch_stop is not None:
            self._watch_stop.set()
        self._watch_stop = None
        self._watch_thread = None

    # -- the learner's design -------------------------------------------------------------------

    def design_worker(self) -> None:
        """Draw the learner's design again (the lab's design function runs in a child process;
        whatever goes wrong comes back as a sentence in the `DesignView`)."""

        def work() -> None:
            try:
                view = self.session.design()
            except Exception as exc:  # no workspace yet, a lab that vanished: say so in place
                from workbench.app.design import DesignView

                log.debug("drawing the design failed", exc_info=True)
                view = DesignView(None, getattr(exc, "message", None) or str(exc))
            self.screen.post_message(DesignUpdate(view))

        self.screen.run_worker(
            work, thread=True, group="design", exclusive=True, exit_on_error=False
        )

    def watch_design(self, on: bool) -> None:
        """While the design view is shown, draw it again when the learner saves a file."""
        if self._design_timer is not None:
            self._design_timer.stop()
            self._design_timer = None
        if on:
            self._design_stamp = self._workspace_stamp()
            self._design_timer = self.screen.set_interval(DESIGN_POLL_SECONDS, self._design_poll)

    def _design_poll(self) -> None:
        stamp = self._workspace_stamp()
        if stamp != self._design_stamp:
            self._design_stamp = stamp
            self.design_worker()

    def _workspace_stamp(self) -> tuple[tuple[str, int], ...]:
        """Modification times of the lab's learner files in the workspace (cheap to poll)."""
        workspace = self.session.workspace
        if workspace is None:
            return ()
        stamp = []
        for ex in self.lab.exercises:
            for rel in ex.files:
                try:
                    stamp.append((rel, (workspace / rel).stat().st_mtime_ns))
                except OSError:
                    stamp.append((rel, 0))
        return tuple(stamp)

    def service_worker(self, service: str, action: str) -> None:
        def work() -> tuple[str, str]:
            self.session.service_action(service, action)  # through the fault record
            return service, action

        self._job("service", work, group=f"service-{service}")

    def fault_worker(self, choice: FaultChoice) -> None:
        def work() -> object:
            if choice.clear:
                self.session.clear_faults()
                return "Every fault cleared."
            fault = self.session.inject(choice.kind, choice.service, dict(choice.options))
            if fault is None:
                return f"{choice.service} restarted."
            return f"{fault.describe()} on {choice.service}."

        self._job("fault", work, group="faults")

    # -- results --------------------------------------------------------------------------------

    def finish_job(self, message: WorkDone) -> None:
        handler = getattr(self, f"_done_{message.job}", None)
        if handler is not None:
            handler(message.error, message.result)

    def _done_prepare(self, error: BaseException | None, result: Any) -> None:
        if error is not None:
            self.screen.app.report(error, title="Opening the lab")  # type: ignore[attr-defined]
            return
        workspace, created, attached = result
        self.state.instructions.set_workspace(workspace)
        if self._design_timer is not None:  # the design view is shown: draw it from there
            self._design_stamp = self._workspace_stamp()
            self.design_worker()
        if created:
            self.screen.notify(
                f"Your workspace is {workspace}: a copy of the starter files. "
                "Edit the files there; running services reload on save.",
                title="Workspace created",
                timeout=10,
            )
        if attached:
            self.screen.notify(f"{self.lab.id} was already running: the workbench took it over.")
            self._went_running()

    def _done_start(self, error: BaseException | None, _result: Any) -> None:
        self.query_one_activity().end()
        if error is None and self.session.start_cancelled:
            # Escape arrived after the start's last step but before this message: the learner
            # asked for no run, so the run that came up anyway is stopped.
            self._start_cancelled_late = True
            self.state.phase = "stopping"
            self.stop_worker()
            return
        if error is None:
            self._went_running()
            ready = len(self.lab.services)
            self.screen.notify(f"{self.lab.id} is running: {ready} services ready.", timeout=4)
            self._note_local_runtime()
            return
        if self.session.running:  # some services failed, the others run: show the run
            self._went_running()
            self.screen.app.report(error, title="Some services did not start")  # type: ignore[attr-defined]
            return
        self.state.phase = "stopped"
        self.query_one_services().set_all_stopped()
        if isinstance(error, CancelledError):
            self.screen.notify("Start cancelled; nothing was left running.", severity="warning")
        else:
            # F2: the doctor's report often names the cause (no engine, cannot bake, no port).
            title = "Start failed (F2: what this machine lacks)"
            self.screen.app.report(error, title=title)  # type: ignore[attr-defined]

    def _note_local_runtime(self) -> None:
        """Once per TUI session, the first time a lab starts on the local runtime."""
        app = self.screen.app
        if self.session.runtime_name != "local" or getattr(app, "local_runtime_noted", False):
            return
        app.local_runtime_noted = True  # type: ignore[attr-defined]
        self.screen.notify(LOCAL_RUNTIME_NOTE, title="Local runtime: unconfined", timeout=15)

    def _done_stop(self, error: BaseException | None, _result: Any) -> None:
        from workbench.tui.widgets.topology import TopologyView

        self.query_one_activity().end()
        self.state.phase = "stopped"
        self.query_one_services().set_all_stopped()
        late_cancel, self._start_cancelled_late = self._start_cancelled_late, False
        for topology in self.screen.query(TopologyView):
            topology.live_ended()  # nothing runs: the live view shows lab.yaml's topology
        if error is not None:
            self.screen.app.report(error, title="Stop failed")  # type: ignore[attr-defined]
        elif late_cancel:
            self.screen.notify("Start cancelled; nothing was left running.", severity="warning")
        else:
            self.screen.notify(f"{self.lab.id} stopped; nothing left running.", timeout=4)

    def _done_check(self, error: BaseException | None, result: Any) -> None:
        from workbench.tui.widgets.checks import ChecksPanel

        self.state.checking = False
        self.query_one_activity().end()
        panel = self.screen.query_one(ChecksPanel)
        if isinstance(error, CancelledError):
            panel.cancelled()
            return
        if error is not None:
            panel.failed(getattr(error, "message", str(error)))
            self.screen.app.report(error, title="Checks")  # type: ignore[attr-defined]
            return
        exercise, run = result
        panel.finish(run, exercise)
        self.state.instructions.mark_passed(self.passed_exercises())
        if exercise in run.passed_exercises():
            last = exercise == self.lab.exercises[-1].id
            then = (
                "That was the last exercise: press x to stop the lab, Escape for the lab list."
                if last
                else "Press n for the next exercise."
            )
            self.screen.notify(f"Every check passes. {then}", title="✓ Passed")

    def _done_service(self, error: BaseException | None, result: Any) -> None:
        if error is not None:
            self.screen.app.report(error, title="Service action")  # type: ignore[attr-defined]
            return
        service, action = result
        past = {"restart": "restarted", "kill": "killed", "pause": "paused", "resume": "resumed"}
        self.screen.notify(f"{service} {past.get(action, action)}.", timeout=3)
        if action == "kill":  # a kill the learner asked for is no crash to warn about
            self._crashed.add(service)
        else:
            self._crashed.discard(service)
        self.refresh_live()

    def _done_fault(self, error: BaseException | None, result: Any) -> None:
        if error is not None:
            self.screen.app.report(error, title="Fault")  # type: ignore[attr-defined]
            return
        self.screen.notify(str(result), title="Faults", timeout=4)
        self.refresh_live()

    def passed_exercises(self) -> set[str]:
        return backend.passed_exercises(self.lab)

    def query_one_services(self) -> Any:
        from workbench.tui.widgets.services import ServicesPanel

        found = self.screen.query(ServicesPanel)
        return found.first() if found else _NoServices()

    # -- while running: logs and live refresh ---------------------------------------------------

    def _went_running(self) -> None:
        from workbench.tui.widgets.runtime_indicator import RuntimeIndicator

        self.screen.query_one(RuntimeIndicator).runtime = self.session.runtime_name
        self.state.phase = "running"
        self._crashed.clear()
        self._start_logs()
        self._live_timers = [
            self.screen.set_interval(FLUSH_SECONDS, self._flush_logs),
            self.screen.set_interval(REFRESH_SECONDS, self.refresh_live),
        ]
        self.refresh_live()

    def refresh_live(self) -> None:
        """Fetch states and observed traffic in a worker; a LiveUpdate brings them back."""
        if self.state.phase != "running":
            return

        def work() -> None:
            statuses, graph = self.session.live_graph()
            self.screen.post_message(LiveUpdate(list(statuses), graph))

        def guarded() -> None:
            try:
                work()
            except Exception:
                log.debug("live refresh failed", exc_info=True)

        self.screen.run_worker(
            guarded, thread=True, group="refresh", exclusive=True, exit_on_error=False
        )

    def notice_crashes(self, statuses: list[ServiceStatus]) -> None:
        """Tell the learner once when a service crashes, and what to do about it."""
        for status in statuses:
            if status.state is ServiceState.CRASHED and status.service not in self._crashed:
                self._crashed.add(status.service)
                self.screen.notify(
                    f"{status.service} crashed. {status.detail} Look at its logs (select it, "
                    "press l); fix your code and save, or press r to restart it.",
                    title="Service crashed",
                    severity="error",
                    timeout=12,
                )
            elif status.state is ServiceState.READY:
                self._crashed.discard(status.service)

    def _start_logs(self) -> None:
        self._log_stop = threading.Event()
        stop = self._log_stop
        buffer = self._log_buffer

        def follow() -> None:
            try:
                for line in self.session.follow_logs(stop):
                    buffer.append(line)
            except Exception:
                log.debug("log follower ended", exc_info=True)

        # A daemon thread, not a worker: a follower blocked on a quiet log must never hold up
        # quitting (the executor behind thread workers is joined at exit).
        self._log_thread = threading.Thread(target=follow, name="wb-logs", daemon=True)
        self._log_thread.start()

    def _flush_logs(self) -> None:
        if not self._log_buffer:
            return
        from workbench.tui.widgets.logs import LogsPanel

        batch: list[LogLine] = []
        while self._log_buffer and len(batch) < MAX_LINES_PER_FLUSH:
            batch.append(self._log_buffer.popleft())
        self.screen.query_one(LogsPanel).add_lines(batch)

    def _stop_live(self) -> None:
        self._log_stop.set()
        for timer in self._live_timers:
            timer.stop()
        self._live_timers = []
        self._log_buffer.clear()
        self.screen.workers.cancel_group(self.screen, "refresh")


class _NoServices:
    """Stands in for the services panel on labs without services."""

    def set_all_stopped(self) -> None:
        return None
