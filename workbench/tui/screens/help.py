"""The help screen: every key of the screen underneath, what it does, and how to find more."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown, Static

INTRO = """\
# Keys

Every action has a key (also shown in the footer at the bottom) and an entry in the
**command palette** (`ctrl+p`, then type what you want).
"""

FLOW = """\
## How a lab goes

1. In the lab list, type to filter, **Enter** opens a lab.
2. Read the exercise on the left; **n** / **p** move between exercises, **t** shows the theory.
3. **s** starts the lab's services; the topology and the services panel show their state.
4. Edit the files the exercise names in your workspace (the path is shown above the
   instructions); services reload on save.
5. **c** runs the checks of the exercise: ✗ comes with a sentence and a hint, ✓ when done.
6. **x** stops the lab. Quitting (`ctrl+q`) stops it too, after asking.
"""


class HelpScreen(ModalScreen[None]):
    """Lists the key bindings of the screen it was opened from (and the app's own)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "close", "Close help")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self._under = under

    def compose(self) -> ComposeResult:
        """The keys as a table, then the short story of a lab."""
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Markdown(INTRO)
            yield Static(self._keys_table(), id="help-keys")
            yield Markdown(FLOW)

    def _keys_table(self) -> Table:
        table = Table(box=None, show_header=True, header_style="bold", padding=(0, 2, 0, 1))
        table.add_column("Key", style="bold")
        table.add_column("Action")
        # Every action of the screen and the app, available now or not (Stop while stopped is
        # still worth knowing); a focused widget's own keys (scrolling, ...) would only clutter.
        bindings = [*type(self._under).BINDINGS, *type(self.app).BINDINGS]
        rows: dict[str, list[str]] = {}
        for item in bindings:
            if not isinstance(item, Binding) or not item.description:
                continue
            keys = rows.setdefault(item.tooltip or item.description, [])
            for key in item.key.split(","):
                shown = self.app.get_key_display(Binding(key.strip(), item.action))
                if shown not in keys:
                    keys.append(shown)
        for description, keys in rows.items():
            table.add_row(" / ".join(keys), description)
        table.add_row("ctrl+p", "Command palette: search every action")
        return table

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
