"""The runtime indicator: which runtime runs the lab (local or docker) and whether it runs."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Static

STATE_LOOK = {
    "stopped": ("○", "dim"),
    "starting": ("◐", "yellow"),
    "running": ("●", "green"),
    "degraded": ("●", "red"),
    "stopping": ("◑", "yellow"),
}


class RuntimeIndicator(Static):
    """`● local · running` in the header; colours follow the state."""

    runtime: reactive[str] = reactive("local")
    state: reactive[str] = reactive("stopped")

    def render(self) -> str:
        """The glyph, the runtime and the state."""
        glyph, style = STATE_LOOK.get(self.state, ("?", ""))
        return f"[{style}]{glyph}[/] {self.runtime} · [{style}]{self.state}[/]"
