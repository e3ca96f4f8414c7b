"""The logs panel: follow one service or all, filter by text, pause scrolling.

Lines arrive from a follower thread in batches (`add_lines`); the panel keeps the last few thousand
so changing the filter or the service re-renders what was already seen.
"""

from __future__ import annotations

import json
from collections import deque

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Input, RichLog, Static

from workbench.runtime.base import LogLine

KEEP = 5000
"""Lines kept for re-filtering."""
VIEW = 1000
"""Lines the view holds (scrollback)."""
CATCH_UP = 300
"""Lines re-rendered when the filter changes or the panel is shown again: a few screens' worth,
cheap enough to stay within a key press's latency."""
PALETTE = ("cyan", "green", "magenta", "yellow", "blue", "bright_cyan", "bright_green")
LEVEL_STYLE = {"warning": "yellow", "error": "bold red", "critical": "bold red", "debug": "dim"}


class LogsPanel(Vertical):
    """Log lines of the running lab, pretty-printed from the service kit's JSON lines."""

    service: reactive[str | None] = reactive(None, init=False)
    """The service followed; None follows all of them."""
    paused: reactive[bool] = reactive(False, init=False)
    text_filter: reactive[str] = reactive("", init=False)

    def __init__(self, services: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._svc_colors = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(services)}
        self._kept: deque[LogLine] = deque(maxlen=KEEP)
        self._shown = False
        self._stale = False
        self.received = 0
        """Lines received since the panel was made (the benchmark reads it)."""

    def compose(self) -> ComposeResult:
        """Status line, filter box (hidden until asked for), the log itself."""
        with Horizontal(id="logs-bar"):
            yield Static(id="logs-status")
            yield Input(placeholder="filter…", id="logs-filter")
        yield RichLog(id="logs-view", max_lines=VIEW, wrap=False, markup=False, auto_scroll=True)

    def on_mount(self) -> None:
        """Say what is followed."""
        self._render_status()

    def add_lines(self, lines: list[LogLine]) -> None:
        """Append a batch of lines; those that pass the service and text filters are shown.

        While the panel is not on screen the lines are only kept: a hidden RichLog would queue
        every write and pay for all of them at once when shown (seconds, at 200 lines/s).
        """
        self._kept.extend(lines)
        self.received += len(lines)
        if not self._shown:
            self._stale = True
            return
        self._write([line for line in lines if self._shows(line)])

    def set_shown(self, shown: bool) -> None:
        """The logs tab became visible (or hidden); catch up on what came meanwhile."""
        self._shown = shown
        if shown and self._stale:
            self._rerender()

    def clear(self) -> None:
        """Forget every line (a new run starts)."""
        self._kept.clear()
        self.query_one("#logs-view", RichLog).clear()

    def open_filter(self) -> None:
        """Show the filter box and focus it."""
        box = self.query_one("#logs-filter", Input)
        box.add_class("-open")
        box.focus()

    def watch_service(self) -> None:
        """Following another service: show its lines."""
        self._rerender()

    def watch_text_filter(self) -> None:
        """A new filter: show the lines that match it."""
        self._rerender()

    def watch_paused(self, paused: bool) -> None:
        """Pausing stops the auto-scroll; resuming jumps to the end."""
        view = self.query_one("#logs-view", RichLog)
        view.auto_scroll = not paused
        if not paused:
            view.scroll_end(animate=False)
        self._render_status()

    @on(Input.Changed, "#logs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        """Filter as the learner types."""
        event.stop()
        self.text_filter = event.value

    @on(Input.Submitted, "#logs-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        """Enter leaves the filter box (an empty filter hides it again)."""
        event.stop()
        if not event.value:
            self.query_one("#logs-filter", Input).remove_class("-open")
        self.query_one("#logs-view", RichLog).focus()

    def _shows(self, line: LogLine) -> bool:
        if self.service is not None and line.service != self.service:
            return False
        return not self.text_filter or self.text_filter.lower() in line.text.lower()

    def _rerender(self) -> None:
        self._stale = False
        view = self.query_one("#logs-view", RichLog)
        view.clear()
        shown = [line for line in self._kept if self._shows(line)]
        self._write(shown[-CATCH_UP:])
        self._render_status()

    def _write(self, lines: list[LogLine]) -> None:
        """One write per batch: RichLog refreshes once instead of once per line."""
        if not lines:
            return
        text = Text("\n").join(self._format(line) for line in lines)
        self.query_one("#logs-view", RichLog).write(text, scroll_end=not self.paused)

    def _render_status(self) -> None:
        who = self.service or "all services"
        parts = [f"following [b]{who}[/b]"]
        if self.text_filter:
            parts.append(f"filter “{self.text_filter}”")
        if self.paused:
            parts.append("[yellow]scrolling paused[/]")
        self.query_one("#logs-status", Static).update(" · ".join(parts))

    def _format(self, line: LogLine) -> Text:
        color = self._svc_colors.get(line.service, "white")
        text = Text()
        text.append(f"{line.service:>10} │ ", style=color)
        text.append_text(format_message(line.text))
        return text


def format_message(raw: str) -> Text:
    """A service kit JSON line as `level msg key=value …`; any other line as it is."""
    raw = raw.rstrip("\n")
    if not raw.startswith("{"):
        return Text(raw)
    try:
        data = json.loads(raw)
    except ValueError:
        return Text(raw)
    if not isinstance(data, dict):
        return Text(raw)
    level = str(data.pop("level", "info"))
    msg = str(data.pop("msg", ""))
    for noise in ("ts", "service"):
        data.pop(noise, None)
    error = data.pop("error", None)
    text = Text()
    if level != "info":
        text.append(f"{level} ", style=LEVEL_STYLE.get(level, ""))
    text.append(msg, style=LEVEL_STYLE.get(level, ""))
    request = data.pop("request_id", None)
    fields = " ".join(f"{k}={v}" for k, v in data.items() if v is not None)
    if fields:
        text.append(f" {fields}", style="dim")
    if request:
        text.append(f" [{request}]", style="dim")
    if error:
        text.append(f"\n{error}", style="red")
    return text
