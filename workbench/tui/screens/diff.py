"""What the learner changed against the starter: a unified diff per file, syntax-highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

if TYPE_CHECKING:
    from workbench.app.editing import FileDiff


class DiffScreen(ModalScreen[None]):
    """The diffs of the exercise's learner files, scrollable; Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,d,q", "close", "Close")]

    def __init__(self, title: str, diffs: list[FileDiff]) -> None:
        super().__init__()
        self._title = title
        self.diffs = diffs

    def compose(self) -> ComposeResult:
        """A title, the diffs, how to close."""
        with VerticalScroll(id="diff-dialog", classes="dialog"):
            yield Static(f"[b]Your changes[/b] · {self._title}", id="diff-title")
            yield Static(self.renderable(), id="diff-body")
            yield Static("[dim]Esc closes[/]")

    def renderable(self) -> RenderableType:
        """Each file's diff; a line for a file the learner has not changed."""
        parts: list[RenderableType] = []
        for item in self.diffs:
            if item.diff:
                parts.append(
                    Syntax(item.diff, "diff", theme="ansi_dark", background_color="default")
                )
            else:
                parts.append(Text(f"{item.file}: unchanged since the starter", "dim"))
        return Group(*parts) if parts else Text("This exercise names no file.", "dim")

    def action_close(self) -> None:
        """Back to the lab."""
        self.dismiss(None)
