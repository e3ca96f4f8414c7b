"""The lab list: every lab with its patterns, difficulty, time and the learner's progress.

Typing filters (the filter box keeps the focus, arrows move the table cursor), Enter opens a lab.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from workbench.lab.catalog import Catalog, LabPatterns, load_catalog
from workbench.lab.listing import LabEntry, list_labs
from workbench.tui import backend
from workbench.tui.messages import LabChosen
from workbench.tui.widgets.header import WorkbenchHeader

COLUMNS = ("Lab", "Title", "Level", "Min", "Progress", "Patterns")
"""Patterns last: the widest column, the first to be cut on a narrow terminal."""


class LabListScreen(Screen[None]):
    """The first screen: pick a lab."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_lab", "Open lab"),
        Binding("down", "cursor(1)", "Next", show=False),
        Binding("up", "cursor(-1)", "Previous", show=False),
        Binding("pagedown", "cursor(10)", "Page down", show=False),
        Binding("pageup", "cursor(-10)", "Page up", show=False),
        Binding("escape", "clear_filter", "Clear filter"),
        Binding("f5", "reload", "Reload labs"),
        Binding("f2", "app.doctor", "Doctor", tooltip="What this machine lacks, with fixes"),
        Binding(
            "f3",
            "app.pattern_catalog",
            "Patterns",
            tooltip="The pattern catalog: every pattern of the course, one page each",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[LabEntry] = []
        self._shown: list[LabEntry] = []
        self._catalog: Catalog | None = None

    def compose(self) -> ComposeResult:
        """Header, filter box, the table of labs, the summary of the highlighted one."""
        yield WorkbenchHeader("Labs")
        with Vertical(id="lab-list-body"):
            yield Input(
                placeholder="Type to filter labs (title, pattern, level) · ↑↓ choose · Enter opens",
                id="filter",
            )
            table: DataTable[str | Text] = DataTable(
                id="labs", cursor_type="row", zebra_stripes=True
            )
            yield table
            yield Static(id="lab-summary")
        yield Footer()

    def on_mount(self) -> None:
        """Load the labs and put the focus in the filter box."""
        table = self.query_one("#labs", DataTable)
        table.add_columns(*COLUMNS)
        self.action_reload()
        self.query_one("#filter", Input).focus()

    def on_screen_resume(self) -> None:
        """Coming back from a lab: progress may have changed."""
        if self._entries:
            self._fill(self.query_one("#filter", Input).value)

    def action_reload(self) -> None:
        """Read the lab folders and the pattern catalog again (a lab author editing them)."""
        self._entries = list_labs()
        self._catalog = load_catalog(
            labs=[
                LabPatterns(e.lab.id, e.lab.title, tuple(e.lab.patterns))
                for e in self._entries
                if e.lab
            ]
        )
        self._fill(self.query_one("#filter", Input).value)
        if not self._entries:
            self.notify(
                "No labs found. Set WORKBENCH_LABS_PATH to a folder of labs, then press F5 "
                "(F2 shows where the workbench looked).",
                severity="warning",
                timeout=10,
            )

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Narrow the table as the learner types."""
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        """Enter in the filter box opens the highlighted lab."""
        self.action_open_lab()

    @on(DataTable.RowSelected, "#labs")
    def _row_selected(self) -> None:
        """Enter or a click on a row opens that lab."""
        self.action_open_lab()

    @on(DataTable.RowHighlighted, "#labs")
    def _row_highlighted(self) -> None:
        """Show the summary of the highlighted lab."""
        self._show_summary()

    def action_cursor(self, delta: int) -> None:
        """Move the table cursor while the filter box has the focus."""
        table = self.query_one("#labs", DataTable)
        if table.row_count:
            row = max(0, min(table.row_count - 1, table.cursor_row + delta))
            table.move_cursor(row=row)

    def action_clear_filter(self) -> None:
        """Empty the filter box."""
        self.query_one("#filter", Input).value = ""

    def action_open_lab(self) -> None:
        """Open the highlighted lab, or say why it cannot be opened."""
        entry = self.highlighted
        if entry is None:
            self.notify("No lab matches the filter; press Escape to clear it.", severity="warning")
            return
        if entry.lab is None:
            first = entry.problems[0] if entry.problems else "unknown problem"
            self.notify(
                f"{entry.id}: lab.yaml has {len(entry.problems)} problem(s), first: {first}. "
                f"Run `workbench labs validate {entry.path}` to see them all.",
                title="Invalid lab",
                severity="error",
                timeout=15,
            )
            return
        self.post_message(LabChosen(entry.lab.id))

    @property
    def highlighted(self) -> LabEntry | None:
        """The lab entry under the table cursor, if any."""
        table = self.query_one("#labs", DataTable)
        if not self._shown or table.cursor_row < 0 or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def _fill(self, query: str) -> None:
        table = self.query_one("#labs", DataTable)
        keep = self.highlighted.id if self.highlighted else None
        self._shown = [e for e in self._entries if _matches(e, query)]
        table.clear()
        for entry in self._shown:
            table.add_row(*_row(entry), key=entry.id)
        if keep is not None:
            ids = [e.id for e in self._shown]
            if keep in ids:
                table.move_cursor(row=ids.index(keep))
        self._show_summary()

    def _show_summary(self) -> None:
        entry = self.highlighted
        summary = self.query_one("#lab-summary", Static)
        if entry is None:
            summary.update("No lab matches the filter." if self._entries else "")
        elif entry.lab is None:
            first = f"; first: {entry.problems[0].message}" if entry.problems else ""
            summary.update(
                Text(f"{entry.path}: {len(entry.problems)} problem(s) in lab.yaml{first}", "red")
            )
        else:
            text = Text(entry.lab.summary.strip())
            for word, page in self._catalog.pages_of(entry.lab.patterns) if self._catalog else []:
                text.append("\n• ")
                text.append(page.title if page else word, "bold")
                text.append(f" — {page.summary}" if page else " — no catalog page", "dim")
            summary.update(text)


def _matches(entry: LabEntry, query: str) -> bool:
    words = query.lower().split()
    if not words:
        return True
    lab = entry.lab
    hay = (
        entry.id
        if lab is None
        else " ".join([lab.id, lab.title, lab.difficulty.value, *lab.patterns])
    )
    hay = hay.lower()
    return all(word in hay for word in words)


def _row(entry: LabEntry) -> tuple[str | Text, ...]:
    lab = entry.lab
    if lab is None:
        return (entry.id, Text("invalid lab.yaml", "red"), "", "", "", "")
    return (
        lab.id,
        lab.title,
        lab.difficulty.value,
        Text(str(lab.minutes), justify="right"),
        backend.progress_text(lab),
        ", ".join(lab.patterns),
    )
