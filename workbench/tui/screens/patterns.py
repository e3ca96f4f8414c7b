"""Pick one of a lab's patterns to read its catalog page."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class PatternPicker(ModalScreen[str | None]):
    """A list of pattern ids (with their one-line summary where the catalog has a page)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, patterns: list[str]) -> None:
        super().__init__()
        self._patterns = patterns

    def compose(self) -> ComposeResult:
        """The list."""
        from workbench.lab.catalog import load_catalog

        catalog = load_catalog()
        options = []
        for pattern_id in self._patterns:
            pattern = catalog.get(pattern_id)
            summary = f" [dim]{pattern.summary}[/]" if pattern and pattern.summary else ""
            title = pattern.title if pattern else pattern_id
            options.append(Option(f"[b]{title}[/b]{summary}", id=pattern_id))
        with Vertical(id="patterns-dialog", classes="dialog"):
            yield Static("[b]Patterns of this lab[/b] — Enter opens its page, Esc closes")
            yield OptionList(*options, id="patterns-list")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        """Open the chosen pattern."""
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
