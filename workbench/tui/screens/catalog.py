"""The pattern catalog: every page, filtered as the learner types; Enter opens one.

Letters go to the filter box (the list keeps its cursor under the arrows), so the screen is
reached with a function key (F3 on the lab list) or the command palette, never a letter.
"""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from workbench.lab.catalog import Catalog, load_catalog
from workbench.lab.patterns import Pattern
from workbench.tui.widgets.header import WorkbenchHeader


class PatternCatalogScreen(Screen[None]):
    """Every pattern page, with its summary and the labs that practise it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("down", "cursor(1)", "Next", show=False),
        Binding("up", "cursor(-1)", "Previous", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
    ]

    def __init__(self, catalog: Catalog | None = None) -> None:
        super().__init__()
        self.catalog = catalog if catalog is not None else load_catalog()
        self.shown: list[Pattern] = []
        self._prompts: dict[str, Content] = {}

    def compose(self) -> ComposeResult:
        """Header, filter box, the list, and a line about problems in the catalog."""
        yield WorkbenchHeader("Pattern catalog")
        with Vertical(id="catalog-body"):
            yield Input(
                placeholder="Type to filter patterns (name, summary, aliases) · Enter opens",
                id="pattern-filter",
            )
            yield OptionList(id="pattern-list")
            yield Static(id="catalog-status")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the list and put the focus in the filter box."""
        self.fill("")
        self.query_one("#pattern-filter", Input).focus()

    @on(Input.Changed, "#pattern-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Narrow the list as the learner types."""
        self.fill(event.value)

    @on(Input.Submitted, "#pattern-filter")
    def _filter_submitted(self) -> None:
        """Enter in the filter box opens the highlighted page."""
        self.open_highlighted()

    @on(OptionList.OptionSelected, "#pattern-list")
    def _chosen(self) -> None:
        """Enter or a click on a pattern opens its page."""
        self.open_highlighted()

    def action_cursor(self, delta: int) -> None:
        """Move the list's cursor while the filter box has the focus."""
        options = self.query_one("#pattern-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def action_back(self) -> None:
        """Clear the filter first; with an empty filter, go back to the lab list."""
        box = self.query_one("#pattern-filter", Input)
        if box.value:
            box.value = ""
        else:
            self.app.pop_screen()

    def open_highlighted(self) -> None:
        """Open the page under the cursor, or say that nothing matches."""
        options = self.query_one("#pattern-list", OptionList)
        if options.highlighted is None or not self.shown:
            self.notify("No pattern matches the filter; Escape clears it.", severity="warning")
            return
        from workbench.tui.screens.pattern_page import PatternPageScreen

        self.app.push_screen(PatternPageScreen(self.shown[options.highlighted].id, self.catalog))

    def fill(self, query: str) -> None:
        """Show the pages matching `query`: id, title, summary and aliases, names first."""
        self.shown = self.catalog.search(query)
        options = self.query_one("#pattern-list", OptionList)
        options.clear_options()
        options.add_options([self._option(p) for p in self.shown])
        if self.shown:
            options.highlighted = 0
        self._status(query)

    def _option(self, pattern: Pattern) -> Option:
        # Built once per page: parsing markup for every option on every keystroke is most of
        # what a keystroke would cost.
        prompt = self._prompts.get(pattern.id)
        if prompt is None:
            labs = [lab.id for lab in self.catalog.labs_of(pattern.id)]
            practised = f"  [$success]lab: {escape(', '.join(labs))}[/]" if labs else ""
            prompt = Content.from_markup(
                f"[b]{escape(pattern.title)}[/b] [dim]{escape(pattern.id)}[/]{practised}\n"
                f"  {escape(pattern.summary)}"
            )
            self._prompts[pattern.id] = prompt
        return Option(prompt, id=pattern.id)

    def _status(self, query: str) -> None:
        status = self.query_one("#catalog-status", Static)
        if not self.catalog.exists:
            status.update(
                f"No pattern catalog at {escape(str(self.catalog.folder))}; "
                "`workbench doctor` shows where the workbench looks."
            )
            return
        parts = [f"{len(self.shown)} of {len(self.catalog.patterns)} patterns"]
        if query and not self.shown:
            parts = [f"no pattern matches {escape(repr(query))}"]
        if self.catalog.problems:
            first = self.catalog.problems[0]
            parts.append(
                f"[$error]{len(self.catalog.problems)} problem(s) in the catalog, first: "
                f"{escape(str(first))}[/]"
            )
        status.update(" · ".join(parts))
