"""`WorkbenchApp`: themes, the screen stack, quitting safely. Screens own their behaviour."""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen

from workbench.errors import WorkbenchError
from workbench.tui import backend
from workbench.tui.messages import LabChosen
from workbench.tui.screens.lab_list import LabListScreen
from workbench.tui.themes import DARK, LIGHT

log = logging.getLogger("workbench.tui")


class WorkbenchApp(App[None]):
    """The workbench: the lab list first (or a lab directly), then the lab screen."""

    CSS_PATH = "workbench.tcss"
    TITLE = "Architecture Workbench"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark"),
    ]

    def __init__(self, *, lab_id: str | None = None, runtime: str = "auto") -> None:
        super().__init__()
        self._start_lab = lab_id
        self.runtime_choice = runtime
        """Runtime for `start`: 'local', 'docker' or 'auto' (the runtime layer decides)."""
        self.register_theme(DARK)
        self.register_theme(LIGHT)
        self.theme = DARK.name

    def get_default_screen(self) -> Screen[None]:
        """The lab list is the bottom of the screen stack."""
        return LabListScreen()

    def on_mount(self) -> None:
        """Open the lab asked for on the command line on top of the lab list."""
        from workbench.app.checking import keep_checks_warm

        keep_checks_warm()
        if self._start_lab:
            self.open_lab(self._start_lab)

    def on_lab_chosen(self, message: LabChosen) -> None:
        """The lab list picked a lab: open its screen."""
        self.open_lab(message.lab_id)

    def open_lab(self, lab_id: str) -> None:
        """Load a lab and push its screen; a lab that does not load becomes a notification."""
        from workbench.lab import find_lab
        from workbench.tui.screens.lab import LabScreen

        try:
            lab = find_lab(lab_id)
        except WorkbenchError as exc:
            self.report(exc)
            return
        self.push_screen(LabScreen(lab, runtime=self.runtime_choice))

    def report(self, exc: BaseException, *, title: str = "Problem") -> None:
        """Show a problem as a notification that says what to do; details go to the log file."""
        if isinstance(exc, WorkbenchError):
            log.warning("%s: %s", title, exc)
            text = exc.message if not exc.hint else f"{exc.message}\n→ {exc.hint}"
            self.notify(text, title=title, severity="error", timeout=12, markup=False)
            return
        log.error("%s: unexpected error", title, exc_info=exc)
        self.notify(
            f"{type(exc).__name__}: {exc}\nDetails are in {backend.log_file()}.",
            title=f"{title} (unexpected)",
            severity="error",
            timeout=15,
            markup=False,
        )

    def _fatal_error(self) -> None:
        """A bug in the workbench: the details go to the log file, never a traceback on screen.

        Overrides Textual's handler, which prints the traceback when the app exits; pilot tests
        still see the exception (Textual keeps it in `_exception` before calling this).
        """
        exc = sys.exc_info()[1] or self._exception
        log.error("unexpected error; the workbench closed", exc_info=exc)
        self._exit_renderables.append(
            f"The workbench closed after an unexpected error ({type(exc).__name__}: {exc}).\n"
            f"Details for a bug report are in {backend.log_file()}. "
            "Nothing was left running."
        )
        self._close_messages_no_wait()

    def action_help(self) -> None:
        """Show every key of the current screen and what it does."""
        from workbench.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_doctor(self) -> None:
        """Show what this machine has and lacks for the workbench (`workbench doctor`)."""
        from workbench.tui.screens.doctor import DoctorScreen

        if not isinstance(self.screen, DoctorScreen):
            self.push_screen(DoctorScreen(self.runtime_choice))

    def action_pattern_catalog(self) -> None:
        """Open the pattern catalog: every pattern page, searchable."""
        from workbench.tui.screens.catalog import PatternCatalogScreen

        if not isinstance(self.screen, PatternCatalogScreen):
            self.push_screen(PatternCatalogScreen())

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = LIGHT.name if self.theme == DARK.name else DARK.name

    async def action_quit(self) -> None:
        """Quit; when a lab is running, ask first, then stop it so nothing is left behind."""
        running = [s for s in self.screen_stack if getattr(s, "lab_active", False)]
        if not running:
            self.exit()
            return
        names = ", ".join(getattr(s, "lab_id", "?") for s in running)
        from workbench.tui.screens.confirm import ConfirmScreen

        def decided(stop: bool | None) -> None:
            if stop:
                self.run_worker(self._stop_all_and_exit(running), exclusive=True, group="quit")

        self.push_screen(
            ConfirmScreen(
                f"The lab {names} is running. Stop it and quit?",
                yes="Stop and quit",
                no="Keep working",
            ),
            decided,
        )

    async def _stop_all_and_exit(self, screens: list[Screen[object]]) -> None:
        for screen in screens:
            stop = getattr(screen, "stop_and_wait", None)
            if stop is not None:
                await stop()
        self.exit()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every key binding of the screen is also a command palette entry, plus Textual's own."""
        seen: set[str] = set()
        for _key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            namespace = active.node
            tooltip = binding.tooltip or f"key: {binding.key_display or binding.key}"
            yield SystemCommand(
                binding.description,
                tooltip,
                _runner(self, namespace, binding.action),
            )
        if "app.pattern_catalog" not in seen:
            yield SystemCommand(
                "Pattern catalog",
                "Every pattern of the course, one page each (F3 on the lab list)",
                _runner(self, self, "pattern_catalog"),
            )
        yield from super().get_system_commands(screen)


def _runner(app: App[None], namespace: DOMNode, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await app.run_action(action, namespace)

    return run


def run_app(*, lab_id: str | None = None, runtime: str = "auto") -> None:
    """Run the workbench; afterwards stop any lab it still runs (even after an unexpected error)."""
    backend.setup_logging()
    app = WorkbenchApp(lab_id=lab_id, runtime=runtime)
    try:
        app.run()
    finally:
        backend.stop_all_sessions()
