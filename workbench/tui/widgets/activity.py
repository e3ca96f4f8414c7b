"""The activity line: the long work running (start, stop, checks), its progress, how to cancel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static


class ActivityBar(Horizontal):
    """Hidden when idle; `begin` shows it, `step` advances it, `end` hides it."""

    def compose(self) -> ComposeResult:
        """A label and a progress bar."""
        yield Static(id="activity-label")
        yield ProgressBar(id="activity-progress", show_eta=False, show_percentage=False)

    def on_mount(self) -> None:
        """Idle at first."""
        self.display = False

    def begin(self, label: str, total: int | None = None, *, cancellable: bool = True) -> None:
        """Show a new piece of work."""
        self.display = True
        suffix = "  [dim](Escape cancels)[/]" if cancellable else ""
        self.query_one("#activity-label", Static).update(f"{label}{suffix}")
        self.query_one("#activity-progress", ProgressBar).update(total=total, progress=0)

    def step(self, label: str | None = None, *, advance: int = 1) -> None:
        """Progress was made (optionally with a new label)."""
        if label is not None:
            self.query_one("#activity-label", Static).update(label)
        self.query_one("#activity-progress", ProgressBar).advance(advance)

    def end(self) -> None:
        """The work ended."""
        self.display = False
