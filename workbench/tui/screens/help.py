"""The help screen: every key of the screen underneath, what it does, and how to find more."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

INTRO = """\
# Keys

Every action has a key (also shown in the footer at the bottom) and an entry in the
**command palette** (`ctrl+p`, then type what you want).
"""

FLOW = """\
## How a lab goes

1. In the catalog, type to filter, **Enter** opens a lab.
2. Read the exercise on the left; **n** / **p** move between exercises, **t** shows the theory.
3. **s** starts the lab's services; the topology and the services panel show their state.
4. Edit the files the exercise names in your workspace (the path is shown above the
   instructions); services reload on save.
5. **c** runs the checks of the exercise: ✗ comes with a sentence and a hint, ✓ when done.
6. **x** stops the lab. Quitting (`ctrl+q`) stops it too, after asking.
"""


class HelpScreen(ModalScreen[None]):
    """Lists the active key bindings of the screen it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "dismiss", "Close help")]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self._under = under

    def compose(self) -> ComposeResult:
        """The keys as a Markdown table, and the short story of a lab."""
        with VerticalScroll(id="help-dialog", classes="dialog"):
            yield Markdown(INTRO + "\n" + self._keys_table() + "\n" + FLOW)

    def _keys_table(self) -> str:
        rows = ["| Key | Action |", "|---|---|"]
        seen: set[tuple[str, str]] = set()
        for key, active in self._under.active_bindings.items():
            binding = active.binding
            if not binding.description:
                continue
            shown = binding.key_display or self.app.get_key_display(binding)
            if (shown, binding.description) in seen:
                continue
            seen.add((shown, binding.description))
            rows.append(f"| `{shown or key}` | {binding.description} |")
        rows.append("| `ctrl+p` | Command palette: search every action |")
        return "\n".join(rows)

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)
