"""The topology panel: the topology renderer's drawing as a widget; clicking a node selects it.

The drawing comes from `workbench.drawing.render` (the same renderer `workbench graph` uses);
this widget only re-renders it for its width and maps mouse clicks to node boxes. It has up to
three views, switched by the lab screen's key: `live` (lab.yaml's topology with the running lab's
states and traffic; the declared one while nothing runs), `declared` (lab.yaml's alone) and
`design` (the learner's design, in labs with `design_graph:`; a problem with their files is shown
in place of the drawing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.containers import ScrollableContainer
from textual.widgets import Static

from workbench.tui.messages import ServiceSelected

if TYPE_CHECKING:
    from rich.text import Text
    from textual.app import ComposeResult

    from workbench.lab.model import Lab


LIGHT_PALETTE = {
    "node.declared": "black",
    "node.ready": "dark_green",
    "node.starting": "dark_goldenrod",
    "node.faulted": "dark_orange3",
    "node.paused": "blue",
    "node.crashed": "bold red3",
    "node.stopped": "grey46",
    "title": "bold",
    "detail": "grey35",
    "edge.http": "grey30",
    "edge.event": "dark_cyan",
    "edge.other": "grey46",
    "edge.error": "red3",
    "edge.undeclared": "bold magenta",
    "legend": "grey35",
}
"""The renderer's palette is made for dark terminals; these styles keep contrast on light."""


EMPTY_DESIGN = "Nothing to draw yet: your design files name no services."


class TopologyView(ScrollableContainer):
    """Scrollable drawing of the lab's graph with live states and observed traffic."""

    can_focus = True

    def __init__(self, lab: Lab, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lab = lab
        running = ("live", "declared") if lab.runs_services else ()
        self.views: tuple[str, ...] = (*running, *(("design",) if lab.design_graph else ()))
        self.view = self.views[0] if self.views else "declared"
        self._graph: Any = None
        self._declared: Any = None
        self._live: Any = None
        self._design: Any = None
        """The last `DesignView` (graph or problem); None until the first one arrives."""
        self._boxes: dict[str, Any] = {}
        self._drawn_width = 0
        self._drawn_key: tuple[str, str | None, bool] | None = None
        self.selected: str | None = None

    def compose(self) -> ComposeResult:
        """One Static holding the drawing."""
        yield Static(id="topology-drawing")

    def on_mount(self) -> None:
        """Draw the declared topology straight away (nothing runs yet)."""
        if self.lab.runs_services:
            from workbench.app.live import declared_graph

            self._declared = declared_graph(self.lab)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())
        self._show()

    def on_resize(self, event: events.Resize) -> None:
        """The layout depends on the width: draw again when it changes."""
        if event.size.width != self._drawn_width:
            self.redraw()

    def set_graph(self, graph: Any) -> None:
        """A new live graph (states and traffic merged in by the topology overlay)."""
        self._live = graph
        if self.view == "live":
            self._show()

    def live_ended(self) -> None:
        """The lab stopped: the live view shows the declared topology again."""
        self._live = None
        if self.view == "live":
            self._show()

    def set_design(self, design: Any) -> None:
        """The learner's design, drawn again from their files (a `DesignView`)."""
        self._design = design
        if self.view == "design":
            self._show()

    def next_view(self) -> str:
        """Switch to the next view (live → declared → design → live); returns its name."""
        if self.views:
            self.view = self.views[(self.views.index(self.view) + 1) % len(self.views)]
            self._show()
        return self.view

    def _show(self) -> None:
        """Pick the current view's graph (or its problem) and draw it."""
        titles = {
            "live": "Topology · live" + ("" if self._live is not None else " (not running)"),
            "declared": "Topology · declared in lab.yaml",
            "design": "Topology · your design",
        }
        self.border_title = titles.get(self.view, "Topology")
        problem: str | None = None
        if self.view == "design":
            design = self._design
            self._graph = getattr(design, "graph", None)
            if design is None:
                problem = "Drawing your design from your files…"
            elif self._graph is None:
                problem = str(design.problem)
            elif self._graph.number_of_nodes() == 0:
                problem = EMPTY_DESIGN
        elif self.view == "live" and self._live is not None:
            self._graph = self._live
        else:
            self._graph = self._declared
        if problem is not None:
            self._drawn_key = None
            self._boxes = {}
            from rich.text import Text

            # A Text, not a string: the learner's file may hold `[...]`, which is not markup.
            self.query_one("#topology-drawing", Static).update(Text(problem))
            return
        self.redraw()

    @property
    def problem_shown(self) -> str | None:
        """The sentence shown in place of the drawing (the design view's), if any."""
        if self.view == "design" and self._design is not None and self._graph is None:
            return str(self._design.problem)
        return None

    def select(self, service: str | None) -> None:
        """Highlight the selected service in the drawing."""
        if service != self.selected:
            self.selected = service
            self.redraw()

    def redraw(self) -> None:
        """Render the graph for the current width, in the theme's colours."""
        if self._graph is None:
            return
        from workbench.drawing import render

        self._drawn_width = self.size.width or 80
        width = max(self._drawn_width - 2, 20)
        drawing = render(self._graph, width=width)
        if drawing.width > width or (self.size.height and drawing.height > self.size.height):
            # A small terminal: titles only, labels and stores listed under the drawing.
            drawing = render(self._graph, width=width, compact=True)
        key = (repr(drawing.rows), self.selected, self.app.current_theme.dark)
        if key == self._drawn_key:  # refreshed every second: only draw what changed
            return
        self._drawn_key = key
        self._boxes = dict(drawing.boxes)
        text = drawing.rich(LIGHT_PALETTE if not self.app.current_theme.dark else None)
        if self.selected in self._boxes:
            _highlight(text, [_row_text(row) for row in drawing.rows], self._boxes[self.selected])
        self.query_one("#topology-drawing", Static).update(text)

    def on_click(self, event: events.Click) -> None:
        """A click inside a node's box selects that service (not in the learner's design)."""
        if self.view == "design":
            return
        x = event.x + int(self.scroll_x)
        y = event.y + int(self.scroll_y)
        services = {s.name for s in self.lab.services}
        for node, box in self._boxes.items():
            if box.contains(x, y) and node in services:
                self.post_message(ServiceSelected(node))
                return


def _row_text(row: list[tuple[str, str | None]]) -> str:
    return "".join(text for text, _style in row)


def _highlight(text: Text, rows: list[str], box: Any) -> None:
    """Mark the selected node's box (rows of the drawing are joined by newlines in `text`)."""
    offset = 0
    for y, row in enumerate(rows):
        if box.y <= y < box.y + box.h:
            start = offset + min(box.x, len(row))
            end = offset + min(box.x + box.w, len(row))
            text.stylize("reverse", start, end)
        offset += len(row) + 1
