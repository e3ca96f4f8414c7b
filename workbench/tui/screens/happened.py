"""What happened during a check that did not pass: its calls and events as a sequence diagram
(one lane per service), opened with Enter on the checks tab; ←/→ move between failing checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.checkrun.happened import lanes, steps
from workbench.tui.widgets.sequence import sequence_lines

if TYPE_CHECKING:
    from workbench.checkrun.results import CheckResult


class HappenedScreen(ModalScreen[None]):
    """The sequence of one failing check; the others a key away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close"),
        Binding("right,n", "move(1)", "Next check"),
        Binding("left,p", "move(-1)", "Previous check"),
    ]

    def __init__(self, results: list[CheckResult]) -> None:
        super().__init__()
        self.results = results
        self.index = 0

    def compose(self) -> ComposeResult:
        """The check's name and message, the diagram, the keys."""
        with VerticalScroll(id="happened-dialog", classes="dialog"):
            yield Static(id="happened-title")
            yield Static(id="happened-body")
            yield Static("[dim]←/→ other failing checks · Esc closes[/]")

    def on_mount(self) -> None:
        """Show the first failing check."""
        self.show()

    def show(self) -> None:
        """Draw the current check's sequence."""
        result = self.results[self.index]
        where = f" ({self.index + 1} of {len(self.results)})" if len(self.results) > 1 else ""
        title = Text.assemble(
            (f"What happened: {result.name}{where}\n", "bold"), (result.message, "red")
        )
        self.query_one("#happened-title", Static).update(title)
        found = steps(list(result.trace))
        width = max(self.size.width - 8, 40)
        lines = sequence_lines(found, lanes(found), width)
        if result.trace_skipped:
            middle = 1 + (len(lines) - 1) // 2
            skipped = Text(f"… {result.trace_skipped} records left out here …", "dim")
            lines = [*lines[:middle], skipped, *lines[middle:]]
        if not result.trace:
            lines = [Text("The services noted nothing for this check.", "dim")]
        self.query_one("#happened-body", Static).update(Group(Text(""), *lines))

    @property
    def shown_lines(self) -> list[Text]:
        """The diagram's rows as drawn now (for tests)."""
        found = steps(list(self.results[self.index].trace))
        return sequence_lines(found, lanes(found), max(self.size.width - 8, 40))

    def action_move(self, step: int) -> None:
        """Another failing check."""
        self.index = (self.index + step) % len(self.results)
        self.show()

    def action_close(self) -> None:
        """Back to the lab."""
        self.dismiss(None)
