"""The watch indicator in the lab screen's header: whether watch mode is on, and what it does."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static


class WatchIndicator(Static):
    """`◉ watching pricing · checking` while watch mode is on; hidden while it is off."""

    exercise: reactive[str | None] = reactive(None)
    """The exercise watched; None when watch mode is off."""
    activity: reactive[str] = reactive("")

    def watch_exercise(self, exercise: str | None) -> None:
        """Shown only while watching."""
        self.display = exercise is not None

    def render(self) -> str:
        """The glyph, the exercise and what the loop does now."""
        if self.exercise is None:
            return ""
        doing = f" · {self.activity}" if self.activity else ""
        return f"[b cyan]◉ watching[/] {self.exercise}{doing}"
