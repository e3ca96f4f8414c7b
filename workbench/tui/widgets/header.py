"""The top bar: the workbench name and what the screen shows (no clock: snapshots stay stable)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


class WorkbenchHeader(Horizontal):
    """One line: the app name, the screen's subject, and room for indicators on the right."""

    def __init__(self, subject: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._subject = subject

    def compose(self) -> ComposeResult:
        """The title on the left; screens mount indicators after it."""
        yield Static(f"[b]Architecture Workbench[/b] · {self._subject}", id="header-title")
