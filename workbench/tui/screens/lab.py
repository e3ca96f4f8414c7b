"""The lab screen: instructions on the left; topology, services, logs and checks on the right.

The screen owns the lab's lifecycle in the UI (stopped → starting → running → stopping). Long work
runs in thread workers (`lab_jobs.LabJobs`) that report back with messages; the screen turns those
into widget updates and notifications.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from workbench.app.session import LabSession
from workbench.lab.model import Lab
from workbench.runtime.base import ServiceStatus
from workbench.tui import backend
from workbench.tui.messages import (
    CheckProgress,
    DesignUpdate,
    ExerciseChanged,
    LiveUpdate,
    ServiceSelected,
    SessionNote,
    StartProgress,
    WatchUpdate,
    WorkDone,
)
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.screens.lab_jobs import LabJobs
from workbench.tui.screens.lab_watch import WatchView
from workbench.tui.widgets.activity import ActivityBar
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.faults import FaultChoice, FaultsDialog
from workbench.tui.widgets.header import WorkbenchHeader
from workbench.tui.widgets.instructions import InstructionsViewer
from workbench.tui.widgets.logs import LogsPanel
from workbench.tui.widgets.runtime_indicator import RuntimeIndicator
from workbench.tui.widgets.services import ServicesPanel
from workbench.tui.widgets.topology import TopologyView
from workbench.tui.widgets.watch_indicator import WatchIndicator

NEEDS_RUNNING = {"stop", "service", "faults", "logs_of_selected"}


class LabScreen(Screen[None]):
    """Everything about one lab."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start", tooltip="Start the lab's services"),
        Binding(
            "x", "stop", "Stop", tooltip="Stop the lab's services and remove what they created"
        ),
        Binding("c", "check", "Check", tooltip="Run the checks of the exercise shown"),
        Binding(
            "w",
            "watch",
            "Watch",
            tooltip="Watch mode: check the exercise shown every time you save its files",
        ),
        Binding(
            "f2",
            "app.doctor",
            "Doctor",
            show=False,
            tooltip="What this machine lacks, with fixes (workbench doctor)",
        ),
        Binding(
            "escape", "cancel", "Cancel", tooltip="Cancel the start or the checks that are running"
        ),
        Binding(
            "escape", "back", "Back", tooltip="Back to the lab list (stops the lab after asking)"
        ),
        Binding("n", "exercise(1)", "Next ex.", tooltip="Next exercise"),
        Binding("p", "exercise(-1)", "Prev ex.", tooltip="Previous exercise"),
        Binding(
            "t",
            "theory",
            "Theory",
            tooltip="Show the lab's theory page (again: back to the exercise)",
        ),
        Binding(
            "f", "faults", "Faults", tooltip="Inject a fault the lab offers, or clear them all"
        ),
        Binding("r", "service('restart')", "Restart svc", tooltip="Restart the selected service"),
        Binding("k", "service('kill')", "Kill svc", tooltip="Kill the selected service"),
        Binding("z", "service('pause')", "Pause svc", tooltip="Freeze the selected service"),
        Binding(
            "u", "service('resume')", "Resume svc", tooltip="Resume the selected (paused) service"
        ),
        Binding("l", "logs_of_selected", "Its logs", tooltip="Follow the selected service's logs"),
        Binding("a", "all_logs", "All logs", tooltip="Follow every service's logs"),
        Binding(
            "slash", "filter_logs", "Filter logs", tooltip="Show only log lines containing a text"
        ),
        Binding(
            "space", "pause_logs", "Pause logs", tooltip="Pause or resume scrolling of the logs"
        ),
        Binding(
            "o",
            "patterns",
            "Patterns",
            tooltip="Read the catalog page of one of the lab's patterns",
        ),
        Binding(
            "g",
            "graph_view",
            "Graph view",
            tooltip="Switch the topology between live, declared (lab.yaml) and your design",
        ),
        Binding(
            "ctrl+r",
            "switch_runtime",
            "Switch runtime",
            tooltip="Choose the runtime of the next start: auto, local or docker",
        ),
        Binding(
            "m",
            "maximize_panel",
            "Maximize",
            tooltip="Give the whole screen to the focused panel (again: give it back)",
        ),
        Binding("h", "hint", "Hint", tooltip="The exercise's next hint (after a failing check)"),
        Binding("e", "edit", "Edit", tooltip="Open the exercise's file in your editor ($EDITOR)"),
        Binding("d", "diff", "Diff", tooltip="What you changed against the starter files"),
        Binding(
            "enter",
            "happened",
            "What happened",
            show=False,
            tooltip="On the checks tab: the calls and events of the failing checks, as a sequence",
        ),
        Binding("1", "tab('services')", "Services tab", show=False),
        Binding("2", "tab('logs')", "Logs tab", show=False),
        Binding("3", "tab('checks')", "Checks tab", show=False),
    ]

    ALLOW_IN_MAXIMIZED_VIEW = "WorkbenchHeader, ActivityBar, Footer, .-textual-system"
    """A maximized panel keeps the header (runtime, watch mode), the activity line and keys."""

    phase: reactive[str] = reactive("stopped", init=False)
    """stopped → starting → running → stopping → stopped."""
    checking: reactive[bool] = reactive(False, init=False)
    selected_service: reactive[str | None] = reactive(None, init=False)

    def __init__(self, lab: Lab, *, runtime: str | None = None) -> None:
        super().__init__()
        self.lab = lab
        self.lab_id = lab.id
        self.session = LabSession(
            lab, runtime or "local", note=lambda text: self.post_message(SessionNote(text))
        )
        self.jobs = LabJobs(self, self)

    @property
    def lab_active(self) -> bool:
        """Whether quitting must stop something (starting, running or stopping)."""
        return self.phase != "stopped"

    def compose(self) -> ComposeResult:
        """Header with the runtime indicator, the two columns, the activity line, the footer."""
        with WorkbenchHeader(self.lab.title, id="lab-header"):
            yield RuntimeIndicator(id="runtime-indicator")
            yield WatchIndicator(id="watch-indicator")
        with Horizontal(id="lab-body"):
            yield InstructionsViewer(self.lab, id="instructions")
            with Vertical(id="lab-side"):
                if self.lab.runs_services or self.lab.design_graph:
                    yield TopologyView(self.lab, id="topology")
                with TabbedContent(id="panels", initial="checks"):
                    if self.lab.runs_services:
                        with TabPane("Services", id="services"):
                            yield ServicesPanel(self.lab, id="services-panel")
                        with TabPane("Logs", id="logs"):
                            yield LogsPanel([s.name for s in self.lab.services], id="logs-panel")
                    with TabPane("Checks", id="checks"):
                        yield ChecksPanel(id="checks-panel")
        yield ActivityBar(id="activity")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Show the runtime; adopt a run of this lab started elsewhere; make sure of a workspace."""
        indicator = self.query_one(RuntimeIndicator)
        indicator.runtime = self.session.runtime_choice
        if self.lab.runs_services:
            self.query_one(TabbedContent).active = "services"
        self.instructions.mark_passed(self.jobs.passed_exercises())
        backend.register(self.session)
        self.jobs.prepare()
        topology = self.query(TopologyView)
        if topology and topology.first().view == "design":  # a design lab: its only view
            self.jobs.watch_design(True)  # drawn once the workspace is known (prepare)

    def on_unmount(self) -> None:
        """The last line of defence: whatever closed the screen, the lab does not outlive it."""
        self.jobs.shutdown()
        backend.unregister(self.session)

    def on_session_note(self, message: SessionNote) -> None:
        """Show what the lab session says (a stale run removed, a runtime fallback)."""
        self.notify(message.text, timeout=8)

    # -- helpers --------------------------------------------------------------------------------

    @property
    def instructions(self) -> InstructionsViewer:
        return self.query_one(InstructionsViewer)

    # -- bindings -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the actions that make sense now (the footer follows the lab's state)."""
        busy = self.phase in ("starting", "stopping") or self.checking
        runs = self.lab.runs_services
        if action == "start":
            return runs and self.phase == "stopped"
        if action == "cancel":
            return self.phase == "starting" or self.checking
        if action == "back":
            return not (self.phase == "starting" or self.checking)
        if action in NEEDS_RUNNING:
            if not runs:
                return False
            if action == "stop":
                return self.phase == "running"
            return None if self.phase != "running" else True
        if action in ("all_logs", "filter_logs", "pause_logs"):
            return runs
        if action == "check":
            return None if busy else True
        if action == "tab":
            return runs or parameters == ("checks",)
        if action == "switch_runtime":
            return runs and self.phase == "stopped"
        if action == "patterns":
            return bool(self.lab.patterns)
        if action == "graph_view":
            found = self.query(TopologyView)
            return bool(found) and len(found.first().views) > 1
        return True

    def watch_phase(self, phase: str) -> None:
        """Indicator and footer follow the lab's state; watch mode ends with the services it
        needs."""
        self.query_one(RuntimeIndicator).state = phase
        watched = self.query_one(WatchIndicator).exercise
        if phase == "stopping" and watched and self.lab.needs_services([watched]):
            self._leave_watch("Watch mode is off: the lab is stopping.")
        self.refresh_bindings()

    def watch_checking(self) -> None:
        """The footer shows Cancel while checks run."""
        self.refresh_bindings()

    def watch_selected_service(self, service: str | None) -> None:
        """Selecting a service anywhere highlights it in the topology and the services panel."""
        if service is None or not self.lab.runs_services:
            return
        self.query_one(TopologyView).select(service)
        self.query_one(ServicesPanel).select(service)

    def action_start(self) -> None:
        """Start the lab's services (in a worker; Escape cancels)."""
        if self.phase != "stopped":
            return
        self.phase = "starting"
        self.query_one(TabbedContent).active = "services"
        self.query_one(LogsPanel).clear()
        self.query_one(ActivityBar).begin(
            f"Starting {self.lab.id} on {self.session.runtime_choice}…",
            total=len(self.lab.services),
        )
        self.jobs.start_worker()

    def action_stop(self) -> None:
        """Stop the lab's services and remove what they created."""
        if self.phase == "running":
            self.phase = "stopping"
            self.query_one(ActivityBar).begin(f"Stopping {self.lab.id}…", cancellable=False)
            self.jobs.stop_worker()

    def action_cancel(self) -> None:
        """Cancel the start or the checks that are running."""
        if self.phase == "starting":
            self.session.cancel_start()
            self.query_one(ActivityBar).step("Cancelling the start…", advance=0)
        if self.checking:
            self.jobs.cancel_checks()

    def action_back(self) -> None:
        """Back to the lab list; a running lab is stopped first (after asking)."""
        if self.phase == "stopped":
            self.app.pop_screen()
            return

        def decided(stop: bool | None) -> None:
            if stop:
                self.run_worker(self._stop_and_leave(), group="leave", exclusive=True)

        self.app.push_screen(
            ConfirmScreen(
                f"{self.lab.id} is running. Stop it and go back to the lab list?",
                yes="Stop and go back",
                no="Stay",
            ),
            decided,
        )

    async def stop_and_wait(self) -> None:
        """Stop the lab (cancelling work in progress) and wait until it is stopped."""
        await self.jobs.stop_and_wait()

    async def _stop_and_leave(self) -> None:
        await self.jobs.stop_and_wait()
        self.app.pop_screen()

    def action_check(self) -> None:
        """Run the checks of the exercise shown (in a worker; Escape cancels)."""
        exercise = self.instructions.current_exercise
        if exercise is None:
            self.notify("This lab has no exercises to check.", severity="warning")
            return
        if self.jobs.watching:  # two runs at once would fill the checks tab in turns
            self.notify("Watch mode checks on every save: save the file, or press w to stop it.")
            return
        if self.lab.needs_services([exercise]) and self.phase != "running":
            self.notify(
                "The checks talk to the lab's services: press s to start the lab first.",
                title="Not running",
                severity="warning",
            )
            return
        self.query_one(TabbedContent).active = "checks"
        self.checking = True
        title = self.lab.exercise(exercise).title
        self.query_one(ChecksPanel).begin(exercise, title)
        self.query_one(ActivityBar).begin(f"Checking {title}…")
        self.jobs.check_worker(exercise)

    def action_maximize_panel(self) -> None:
        """Maximize the focused panel (topology, instructions, services/logs/checks), or give
        the screen back."""
        if self.maximized is not None:
            self.minimize()
            return
        panels = [w for w in (*self.query(TopologyView), self.instructions) if w is not None]
        panels.append(self.query_one(TabbedContent))
        focused = self.focused
        chosen = next(
            (p for p in panels if focused is not None and (focused is p or p in focused.ancestors)),
            self.instructions,
        )
        self.maximized = chosen  # panels that cannot take the focus may be maximized too

    def action_hint(self) -> None:
        """The exercise's next hint, once a check has failed it (counted in the progress)."""
        from workbench.tui.screens.lab_edit import show_next_hint

        show_next_hint(self, self.instructions.current_exercise)

    def action_edit(self) -> None:
        """Open the exercise's learner file in $VISUAL / $EDITOR (the workbench steps aside)."""
        from workbench.tui.screens.lab_edit import edit_in_editor

        edit_in_editor(self, self.instructions.current_exercise)

    def action_diff(self) -> None:
        """Show what the learner changed in the exercise's files against the starter."""
        from workbench.tui.screens.lab_edit import show_diff

        show_diff(self, self.instructions.current_exercise)

    def action_happened(self) -> None:
        """The calls and events of the last run's failing checks, as a sequence diagram."""
        from workbench.tui.screens.happened import HappenedScreen

        if self.query_one(TabbedContent).active != "checks":
            return
        run = self.query_one(ChecksPanel).last_run
        failing = [r for r in run.results if not r.ok] if run else []
        if not failing:
            self.notify("No failing check to show: run the checks (c) first.", timeout=4)
            return
        self.app.push_screen(HappenedScreen(failing))

    def action_watch(self) -> None:
        """Toggle watch mode: check the exercise shown on every save of its files."""
        if self.jobs.watching:
            self._leave_watch("Watch mode is off.")
            return
        exercise = self.instructions.current_exercise
        if exercise is None:
            self.notify("This lab has no exercises to watch.", severity="warning")
            return
        self._watch(exercise)

    def _watch(self, exercise: str) -> None:
        from workbench.errors import NotRunningError

        try:
            self.jobs.start_watch(exercise)
        except NotRunningError:
            self.notify(
                "The checks talk to the lab's services: press s to start the lab, then w.",
                title="Not running",
                severity="warning",
            )
            return
        indicator = self.query_one(WatchIndicator)
        indicator.exercise, indicator.activity = exercise, ""
        files = ", ".join(self.lab.exercise(exercise).files) or "its files"
        self.notify(f"Watching {exercise}: save {files} and it is checked. w again stops.")

    def _leave_watch(self, text: str) -> None:
        self.jobs.stop_watch()
        self.query_one(WatchIndicator).exercise = None
        self.query_one(ActivityBar).end()
        self.notify(text, timeout=3)

    def action_exercise(self, step: int) -> None:
        """Next or previous exercise."""
        if not self.instructions.next_exercise(step):
            where = "last" if step > 0 else "first"
            self.notify(f"This is the {where} exercise.", timeout=3)

    def action_theory(self) -> None:
        """Show the lab's theory page (again: back to the exercise)."""
        self.instructions.toggle_theory()

    def action_patterns(self) -> None:
        """Open the catalog page of one of the lab's patterns."""
        from workbench.tui.screens.patterns import PatternPicker

        def chosen(pattern: str | None) -> None:
            if pattern:
                self.instructions.show_pattern(pattern)

        self.app.push_screen(PatternPicker(self.lab.patterns), chosen)

    def action_switch_runtime(self) -> None:
        """Choose the runtime the next start uses: auto → local → docker → auto."""
        order = ["auto", "local", "docker"]
        current = self.session.runtime_choice
        choice = order[(order.index(current) + 1) % len(order)] if current in order else "auto"
        self.session.runtime_choice = choice
        self.query_one(RuntimeIndicator).runtime = choice
        explain = {
            "auto": "Docker when an engine answers, else local processes",
            "local": "local processes, no Docker needed",
            "docker": "containers (images are baked the first time)",
        }
        self.notify(f"Next start uses {choice}: {explain[choice]}.", timeout=4)

    def action_graph_view(self) -> None:
        """Switch the topology between live, declared (lab.yaml) and the learner's design."""
        view = self.query_one(TopologyView).next_view()
        if view == "design":
            self.jobs.design_worker()
        self.jobs.watch_design(view == "design")

    def action_tab(self, tab: str) -> None:
        """Switch the right-hand panel."""
        self.query_one(TabbedContent).active = tab

    def action_service(self, action: str) -> None:
        """restart / kill / pause / resume the selected service."""
        service = self.selected_service or self.query_one(ServicesPanel).selected
        if service is None:
            self.notify("Select a service first (Services tab, arrows).", severity="warning")
            return
        self.jobs.service_worker(service, action)

    def action_logs_of_selected(self) -> None:
        """Follow only the selected service's logs."""
        service = self.selected_service or self.query_one(ServicesPanel).selected
        self.query_one(LogsPanel).service = service
        self.query_one(TabbedContent).active = "logs"

    def action_all_logs(self) -> None:
        """Follow every service's logs."""
        self.query_one(LogsPanel).service = None
        self.query_one(TabbedContent).active = "logs"

    def action_filter_logs(self) -> None:
        """Filter the log lines by text."""
        self.query_one(TabbedContent).active = "logs"
        self.query_one(LogsPanel).open_filter()

    def action_pause_logs(self) -> None:
        """Pause (or resume) scrolling of the logs."""
        panel = self.query_one(LogsPanel)
        panel.paused = not panel.paused

    def action_faults(self) -> None:
        """Choose a fault to inject, or clear them all."""

        def chosen(choice: FaultChoice | None) -> None:
            if choice is not None:
                self.jobs.fault_worker(choice)

        dialog = FaultsDialog(
            self.lab, self.selected_service, crash_points=self.session.crash_points
        )
        self.app.push_screen(dialog, chosen)

    # -- messages -------------------------------------------------------------------------------

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """The logs panel renders only while it is visible."""
        if self.lab.runs_services:
            self.query_one(LogsPanel).set_shown(event.pane.id == "logs")

    @on(ServiceSelected)
    def _service_selected(self, message: ServiceSelected) -> None:
        """A node in the topology or a row in the services panel was selected."""
        self.selected_service = message.service

    @on(ExerciseChanged)
    def _exercise_changed(self, message: ExerciseChanged) -> None:
        """The checks panel says which exercise `c` checks; watch mode follows the exercise."""
        if message.exercise_id and not self.checking:
            self.query_one(ChecksPanel).prompt(self.lab.exercise(message.exercise_id).title)
        watched = self.query_one(WatchIndicator).exercise
        if message.exercise_id and watched and message.exercise_id != watched:
            self._watch(message.exercise_id)

    @on(StartProgress)
    def _start_progress(self, message: StartProgress) -> None:
        """A service moved on during start-up."""
        if self.lab.runs_services:
            self.query_one(ServicesPanel).set_phase(message.service, message.phase, message.detail)
        if message.phase == "ready":
            self.query_one(ActivityBar).step(f"Starting {self.lab.id}: {message.service} ready")

    @on(CheckProgress)
    def _check_progress(self, message: CheckProgress) -> None:
        """The checks runner reported progress."""
        panel = self.query_one(ChecksPanel)
        if message.total is not None:
            panel.set_total(message.total)
            self.query_one(ActivityBar).begin("Checking…", total=message.total)
        if message.result is not None:
            panel.add_result(message.result)  # type: ignore[arg-type]
            self.query_one(ActivityBar).step()

    @on(WatchUpdate)
    def _watch_update(self, message: WatchUpdate) -> None:
        """Watch mode reported what it does: the header, the checks tab and the verdict."""
        from workbench.app.watch import WatchEvent

        event = message.event
        assert isinstance(event, WatchEvent)
        indicator = self.query_one(WatchIndicator)
        if indicator.exercise is None:
            return  # a late event from a watch that was just turned off
        WatchView(self, indicator).show(event)

    @on(LiveUpdate)
    def _live_update(self, message: LiveUpdate) -> None:
        """Fresh states and traffic while the lab runs."""
        if self.phase != "running":
            return
        statuses: list[ServiceStatus] = message.statuses  # type: ignore[assignment]
        self.query_one(ServicesPanel).set_statuses(statuses)
        self.query_one(TopologyView).set_graph(message.graph)
        self.jobs.notice_crashes(statuses)

    @on(DesignUpdate)
    def _design_update(self, message: DesignUpdate) -> None:
        """The learner's design, drawn again from their files."""
        self.query_one(TopologyView).set_design(message.view)

    @on(WorkDone)
    def _work_done(self, message: WorkDone) -> None:
        """Long work ended: update the state and tell the learner what happened."""
        self.jobs.finish_job(message)
