"""One pattern page: the Markdown the lab screen's `o` shows, plus its related pages and labs as
links (a list under the page for the keyboard; the links in the page for the mouse)."""

from __future__ import annotations

from typing import ClassVar

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Markdown, OptionList
from textual.widgets.option_list import Option

from workbench.lab.catalog import Catalog, page_markdown
from workbench.tui.messages import LabChosen
from workbench.tui.widgets.header import WorkbenchHeader


class PatternPageScreen(Screen[None]):
    """A page of the catalog; Enter on a link opens that page or lab, Escape goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("tab", "focus_next", "Page / links", show=False),
    ]

    def __init__(self, pattern_id: str, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.pattern_id = pattern_id

    def compose(self) -> ComposeResult:
        """Header, the page, and the links below it."""
        pattern = self.catalog.get(self.pattern_id)
        title = pattern.title if pattern else self.pattern_id
        yield WorkbenchHeader(f"Pattern · {title}")
        with Vertical(id="pattern-body"):
            with VerticalScroll(id="pattern-scroll"):
                yield Markdown(self._markdown(), id="pattern-page", open_links=False)
            yield OptionList(*self._links(), id="pattern-links")
        yield Footer()

    def on_mount(self) -> None:
        """Links first: Enter follows one, arrows choose; Tab moves to the page to scroll it."""
        links = self.query_one("#pattern-links", OptionList)
        links.border_title = "Related pages and labs · Enter opens · Tab scrolls the page"
        if links.option_count:
            links.highlighted = 0
            links.focus()
        else:
            self.query_one("#pattern-scroll", VerticalScroll).focus()

    def _markdown(self) -> str:
        pattern = self.catalog.get(self.pattern_id)
        if pattern is None:
            return f"# {self.pattern_id}\n\n*(no catalog page for this pattern yet)*"
        return page_markdown(pattern, self.catalog, links=True)

    def _links(self) -> list[Option]:
        pattern = self.catalog.get(self.pattern_id)
        if pattern is None:
            return []
        options = []
        for lab in self.catalog.labs_of(pattern.id):
            options.append(
                Option(f"[b]lab[/b] {escape(lab.id)} · {escape(lab.title)}", f"lab:{lab.id}")
            )
        for related in pattern.related:
            page = self.catalog.get(related)
            summary = f" [dim]{escape(page.summary)}[/]" if page else ""
            label = escape(page.title if page else related)
            options.append(Option(f"[b]→[/b] {label}{summary}", f"pattern:{related}"))
        return options

    @on(OptionList.OptionSelected, "#pattern-links")
    def _link_chosen(self, event: OptionList.OptionSelected) -> None:
        """Follow the chosen link."""
        if event.option.id:
            self.follow(event.option.id)

    @on(Markdown.LinkClicked)
    def _link_clicked(self, event: Markdown.LinkClicked) -> None:
        """A click on a link in the page: pages and labs open here, nothing leaves the app."""
        event.prevent_default()
        self.follow(event.href)

    def follow(self, href: str) -> None:
        """`pattern:<id>` opens that page on top of this one; `lab:<id>` opens the lab."""
        kind, _, key = href.partition(":")
        if kind == "pattern" and key:
            self.app.push_screen(PatternPageScreen(key, self.catalog))
        elif kind == "lab" and key:
            self.open_lab(key)
        else:
            self.notify(f"{href} is not a page of the workbench.", severity="warning")

    def open_lab(self, lab_id: str) -> None:
        """Open the lab; when a lab is already open underneath, go back to it if it is this one
        (one screen per lab: two would both drive its run), or say which one is open."""
        from workbench.tui.screens.lab import LabScreen

        open_labs = [s for s in self.app.screen_stack if isinstance(s, LabScreen)]
        if not open_labs:
            self.app.post_message(LabChosen(lab_id))
        elif open_labs[-1].lab.id == lab_id:
            while self.app.screen is not open_labs[-1]:
                self.app.pop_screen()
        else:
            self.notify(
                f"The lab {open_labs[-1].lab.id} is open; go back to it and leave it (Escape) "
                f"to open {lab_id}.",
                severity="warning",
            )

    def action_back(self) -> None:
        """Back to where the page was opened from."""
        self.app.pop_screen()
