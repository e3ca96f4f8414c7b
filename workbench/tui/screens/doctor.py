"""The doctor's report (`workbench doctor`) in the workbench: what this machine lacks, and fixes."""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.app.doctor import DoctorReport


class DoctorScreen(ModalScreen[None]):
    """Runs the doctor's checks in a thread (the engine ping can take half a second) and shows
    the same report as `workbench doctor`, for the runtime the workbench would use."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f2,q", "close", "Close"),
        Binding("r", "recheck", "Check again"),
    ]

    def __init__(self, runtime: str = "auto") -> None:
        super().__init__()
        self._runtime = runtime
        self.report: DoctorReport | None = None
        """The last report shown (None while the first check runs)."""

    def compose(self) -> ComposeResult:
        """The report, scrollable; a line while it is being made."""
        with VerticalScroll(id="doctor-dialog", classes="dialog"):
            yield Static("Checking this machine…", id="doctor-report")
            yield Static("[dim]r checks again · Esc closes[/]")

    def on_mount(self) -> None:
        """Start the checks."""
        self.action_recheck()

    def action_recheck(self) -> None:
        """Run every check again (after fixing something)."""
        self.query_one("#doctor-report", Static).update("Checking this machine…")
        self._diagnose()

    @work(thread=True, exclusive=True, group="doctor")
    def _diagnose(self) -> None:
        from workbench.app.doctor import diagnose
        from workbench.app.doctor_probes import real_probes

        report = diagnose(real_probes(), self._runtime)
        self.app.call_from_thread(self._show, report)

    def _show(self, report: DoctorReport) -> None:
        from workbench.app.doctor_view import report_renderable

        self.report = report
        self.query_one("#doctor-report", Static).update(report_renderable(report))

    def action_close(self) -> None:
        """Back to the screen underneath."""
        self.dismiss(None)
