"""The terminal drawing of a topology: one renderer for the CLI (rich) and the TUI widget.

`render(g, width)` folds the graph into boxes (view.py), lays them out left to right (layout.py),
draws them on a character canvas (canvas.py) and returns a `Drawing`: plain text lines (golden
files, logs), a rich renderable (colours by state and protocol), and the rectangle of every node
so a click at (x, y) maps back to a service. Colours live here, nowhere in the model.

A graph too big for the width is never squeezed into overlapping boxes: with contexts it collapses
into one box per context (`collapse="auto"`), else the canvas grows wider/taller than the screen
and the caller scrolls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

import networkx as nx

from workbench.drawing.terminal.canvas import LEFT, RIGHT, Canvas
from workbench.drawing.terminal.layout import LayoutEdge, Ranking, Rect, place, rank
from workbench.drawing.terminal.view import Unit, View, ViewEdge, make_view
from workbench.topology.kinds import EdgeKind, NodeKind, NodeState

if TYPE_CHECKING:
    from rich.text import Text

STATE_GLYPH = {
    NodeState.READY.value: "●",
    NodeState.STARTING.value: "◐",
    NodeState.FAULTED.value: "◆",
    NodeState.PAUSED.value: "‖",
    NodeState.CRASHED.value: "✗",
    NodeState.STOPPED.value: "○",
}

PALETTE: dict[str, str] = {
    "node.declared": "bright_white",
    "node.ready": "green",
    "node.starting": "yellow",
    "node.faulted": "dark_orange",
    "node.paused": "blue",
    "node.crashed": "bold red",
    "node.stopped": "grey50",
    "title": "bold",
    "detail": "grey62",
    "edge.http": "grey82",
    "edge.event": "cyan",
    "edge.other": "grey50",
    "edge.error": "red",
    "edge.undeclared": "bold magenta",
    "legend": "grey62",
}
"""Style name -> rich style. The TUI may pass its own palette (e.g. a light theme)."""

MIN_GAP = 5
MIN_BOX = 9
MAX_BOX = 26
MAX_GAP = 30
READABLE_BOX = 16
MAX_PORTS = 4

Collapse = Literal["auto", "always", "never"]


@dataclass
class Drawing:
    """A rendered topology: text, styles and where each node is."""

    rows: list[list[tuple[str, str | None]]]
    """Each row as (text, style name) runs; style names are keys of `PALETTE`."""
    boxes: dict[str, Rect]
    """Node id -> its rectangle on the drawing (a sidecar: its own part of the shared box)."""
    width: int
    height: int
    """Size of the diagram part (without legend and notes)."""
    collapsed: bool = False
    notes: list[str] = field(default_factory=list)
    """Labels that did not fit on their line, as `a → b: label`."""

    @property
    def lines(self) -> list[str]:
        return ["".join(text for text, _s in row).rstrip() for row in self.rows]

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def node_at(self, x: int, y: int) -> str | None:
        """The node drawn at column x, row y (e.g. a mouse click), if any."""
        for node, rect in self.boxes.items():
            if rect.contains(x, y):
                return node
        return None

    def rich(self, palette: dict[str, str] | None = None) -> Text:
        """A rich Text (no wrapping: wider drawings are meant to be scrolled, not folded)."""
        from rich.text import Text

        colours = palette or PALETTE
        out = Text(no_wrap=True, overflow="ignore", end="\n")
        for i, row in enumerate(self.rows):
            if i:
                out.append("\n")
            for text, style in row:
                out.append(text, colours.get(style or "", "") if style else None)
        return out


def render(
    g: nx.MultiDiGraph,
    width: int = 80,
    height: int | None = None,
    *,
    collapse: Collapse = "auto",
    max_boxes: int = 30,
    legend: bool = True,
    detail_lines: int = 1,
    compact: bool = False,
) -> Drawing:
    """Draw `g` for a terminal `width` columns wide (see the module docstring).

    With `height`, boxes get more compact (no spare port rows, then no detail lines) until the
    diagram fits in that many rows; if it still does not, the canvas is taller (to scroll).
    `compact` is for small terminals: boxes are a title only (a store folded into its service
    as `▣`), edges carry no labels and gaps are narrow; the labels and stores are listed under
    the legend instead.
    """
    view = make_view(g)
    contexts = any(g.nodes[u.id].get("context") for u in view.units)
    if collapse == "always" or (collapse == "auto" and contexts and len(view.units) > max_boxes):
        view = make_view(g, collapse_contexts=True)
    if compact:
        drawing = _draw(_folded_stores(view), width, 0, False, labels=False)
        drawing.notes = _store_notes(view) + drawing.notes
    else:
        tries = [(detail_lines, True), (detail_lines, False), (0, False)]
        for details, spread_ports in tries if height is not None else tries[:1]:
            drawing = _draw(view, width, details, spread_ports)
            if height is None or drawing.height <= height:
                break
    if legend:
        _add_legend(drawing, view, width)
    return drawing


def _folded_stores(view: View) -> View:
    """The view with a `▣` after the title of every member that owns a store."""
    from dataclasses import replace

    units = [
        replace(
            u,
            members=[
                replace(m, title=f"{m.title} ▣")
                if any(d.startswith("db ") for d in m.details)
                else m
                for m in u.members
            ],
        )
        for u in view.units
    ]
    return replace(view, units=units)


def _store_notes(view: View) -> list[str]:
    stores = [
        f"{m.title}: {d.removeprefix('db ')}"
        for u in view.units
        for m in u.members
        for d in m.details
        if d.startswith("db ")
    ]
    return [f"▣ stores: {'; '.join(stores)}"] if stores else []


# -- boxes -------------------------------------------------------------------------------------
def _member_lines(unit: Unit, detail_lines: int) -> list[list[tuple[str, str]]]:
    out = []
    for m in unit.members:
        glyph = STATE_GLYPH.get(m.state)
        title = f"{glyph} {m.title}" if glyph else m.title
        lines = [(title, "title")] + [(d, "detail") for d in m.details[:detail_lines]]
        out.append(lines)
    return out


def _unit_size(lines: list[list[tuple[str, str]]], cap: int) -> tuple[int, int]:
    content = max(len(text) for member in lines for text, _ in member)
    rows = sum(len(member) for member in lines) + len(lines) - 1
    return max(MIN_BOX, min(cap, content + 4)), rows + 2


def _member_rows(lines: list[list[tuple[str, str]]]) -> list[tuple[int, int]]:
    """Per member, its inner rows as offsets from the box's top (inclusive)."""
    out = []
    row = 1
    for member in lines:
        out.append((row, row + len(member) - 1))
        row += len(member) + 1
    return out


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


# -- drawing -----------------------------------------------------------------------------------
def _draw(
    view: View, width: int, detail_lines: int, spread_ports: bool, *, labels: bool = True
) -> Drawing:
    unit_by_id = {u.id: u for u in view.units}
    lines = {u.id: _member_lines(u, detail_lines) for u in view.units}
    member_rows = {u.id: _member_rows(lines[u.id]) for u in view.units}
    member_index = {m.node: (u.id, k) for u in view.units for k, m in enumerate(u.members)}
    for node, unit_id in view.unit_of.items():
        member_index.setdefault(node, (unit_id, 0))

    edges: list[LayoutEdge] = []
    drawn: list[ViewEdge] = []
    for ve in view.edges:
        (su, sk), (tu, tk) = member_index[ve.source], member_index[ve.target]
        if su == tu:
            continue
        edges.append(LayoutEdge(su, tu, member_rows[su][sk], member_rows[tu][tk]))
        drawn.append(ve)
    # room for one port row per neighbour (up to 4), so lines of different kinds do not share
    degree: dict[str, int] = {}
    for le in edges:
        degree[le.source] = degree.get(le.source, 0) + 1
        degree[le.target] = degree.get(le.target, 0) + 1
    for u in view.units:
        if spread_ports and len(u.members) == 1:
            member = lines[u.id][0]
            member += [("", "detail")] * (min(degree.get(u.id, 0), MAX_PORTS) - len(member))
    member_rows = {u.id: _member_rows(lines[u.id]) for u in view.units}
    edges = [
        LayoutEdge(
            e.source,
            e.target,
            member_rows[e.source][member_index[d.source][1]],
            member_rows[e.target][member_index[d.target][1]],
        )
        for e, d in zip(edges, drawn, strict=True)
    ]
    ranking = rank([u.id for u in view.units], edges)
    caps, gaps = _widths(view, ranking, lines, drawn, width if labels else 0)
    sizes = {u.id: _unit_size(lines[u.id], caps[ranking.layer_of[u.id]]) for u in view.units}
    layout = place(ranking, sizes, edges, min_gap=MIN_GAP, gap_wants=gaps, width=width)

    canvas = Canvas(max(layout.width, 1), max(layout.height, 1))
    styles = [_edge_style(e) for e in drawn]
    for i, (route, e) in enumerate(zip(layout.routes, drawn, strict=True)):
        if route is not None:
            canvas.polyline(
                route.points,
                _line_kind(e.kind),
                styles[i],
                owner=i,
                open_start=LEFT,
                open_end=RIGHT,
            )

    boxes: dict[str, Rect] = {}
    for unit_id, rect in layout.rects.items():
        unit = unit_by_id[unit_id]
        _draw_box(canvas, unit, rect, lines=lines[unit_id], rows=member_rows[unit_id], boxes=boxes)

    notes: list[str] = []
    for i, route in enumerate(layout.routes):
        if route is None:
            continue
        (x0, y0), (x1, y1) = route.points[0], route.points[-1]
        # the border where the line leaves belongs to the edge's source box
        border = _state_style(unit_by_id[edges[i].source].members[0].state)
        if route.reversed:
            canvas.put(x0, y0, "◀", styles[i])
            canvas.put(x1 + 1, y1, "┤", border)
        else:
            canvas.put(x0 - 1, y0, "├", border)
            canvas.put(x1, y1, "▶", styles[i])
    for i, (route, e) in enumerate(zip(layout.routes, drawn, strict=True)):
        label = _label(e)
        if route is None or not label:
            continue
        if not labels or not _place_label(canvas, route.points, label, i, styles[i]):
            notes.append(f"{e.source} → {e.target}: {label}")
    canvas.finish()
    rows = [list(canvas.runs(y)) for y in range(canvas.height)]
    return Drawing(rows, boxes, canvas.width, canvas.height, view.collapsed, notes)


def _widths(
    view: View,
    ranking: Ranking,
    lines: dict[str, list[list[tuple[str, str]]]],
    drawn: list[ViewEdge],
    width: int,
) -> tuple[list[int], list[int]]:
    """Per layer the widest a box may be, per gap the columns wanted for labels.

    Titles are never cut when they fit at all; then the gaps get room for the labels of the
    edges that cross just one gap (longer edges carry their label on their long stretch); what
    is left lets boxes show their detail lines in full.
    """
    n = len(ranking.layers)
    title_w = [MIN_BOX] * n
    full_w = [MIN_BOX] * n
    for u in view.units:
        i = ranking.layer_of[u.id]
        title = max(len(member[0][0]) for member in lines[u.id])
        title_w[i] = max(title_w[i], min(MAX_BOX, title + 4))
        content = max(len(text) for member in lines[u.id] for text, _ in member)
        full_w[i] = max(full_w[i], min(MAX_BOX, content + 4))
    want = [MIN_GAP] * max(0, n - 1)
    for chain, e in zip(ranking.chains, drawn, strict=True):
        if chain is None or len(chain) != 2:
            continue
        i = ranking.layer_of[chain[0]]
        want[i] = max(want[i], min(MAX_GAP, len(_label(e)) + 6))
    spare = width - sum(title_w) - MIN_GAP * len(want)
    # boxes first up to a readable width, then label room, then the rest of the details
    caps = list(title_w)
    spare = _grow(caps, [min(f, READABLE_BOX) for f in full_w], spare)
    gaps = [MIN_GAP] * len(want)
    spare = _grow(gaps, want, spare)
    _grow(caps, full_w, spare)
    return caps, gaps


def _grow(sizes: list[int], targets: list[int], spare: int) -> int:
    """Grow `sizes` toward `targets` sharing `spare` columns proportionally; return what is left."""
    need = sum(max(0, t - s) for s, t in zip(sizes, targets, strict=True))
    if need <= 0 or spare <= 0:
        return max(spare, 0)
    share = min(spare, need)
    for i, (s, t) in enumerate(zip(sizes, targets, strict=True)):
        sizes[i] = s + max(0, t - s) * share // need
    return spare - share


def _state_style(state: str) -> str:
    return f"node.{state}" if f"node.{state}" in PALETTE else "node.declared"


def _draw_box(
    canvas: Canvas,
    unit: Unit,
    rect: Rect,
    *,
    lines: list[list[tuple[str, str]]],
    rows: list[tuple[int, int]],
    boxes: dict[str, Rect],
) -> None:
    main = unit.members[0]
    style = _state_style(main.state)
    rounded = main.kind in (NodeKind.BROKER.value, NodeKind.SUBJECT.value, "context")
    # Outside the system (a browser, a carrier, a peer nobody declared): a dashed box.
    dashed = main.kind == NodeKind.EXTERNAL.value
    canvas.box(rect.x, rect.y, rect.w, rect.h, style, rounded=rounded, dashed=dashed)
    inner = rect.w - 4
    for k, (member, member_lines, (top, bottom)) in enumerate(
        zip(unit.members, lines, rows, strict=True)
    ):
        mstyle = _state_style(member.state)
        if k:  # a sidecar: shares the box, under a double rule (same network namespace)
            canvas.put(rect.x, rect.y + top - 1, "╞" + "═" * (rect.w - 2) + "╡", style)
            canvas.put(rect.x, rect.y + top, "│", mstyle)
            canvas.put(rect.right, rect.y + top, "│", mstyle)
        for j, (full, kind) in enumerate(member_lines):
            text = _fit(full, inner)
            glyph = STATE_GLYPH.get(member.state)
            if j == 0 and glyph and text.startswith(glyph):
                canvas.put(rect.x + 2, rect.y + top, glyph, mstyle)
                canvas.put(rect.x + 4, rect.y + top, text[2:], kind)
            else:
                canvas.put(rect.x + 2, rect.y + top + j, text, kind)
        y0 = rect.y + top - (1 if k == 0 else 0)
        y1 = rect.y + bottom + (1 if k == len(unit.members) - 1 else 0)
        boxes[member.node] = Rect(rect.x, y0, rect.w, y1 - y0 + 1)


# -- edges -------------------------------------------------------------------------------------
def _line_kind(kind: str) -> str:
    if kind == EdgeKind.HTTP.value:
        return "solid"
    if kind == EdgeKind.EVENT.value:
        return "dashed"
    return "dotted"


def _edge_style(e: ViewEdge) -> str:
    if e.undeclared:
        return "edge.undeclared"
    if e.errors:
        return "edge.error"
    if e.kind in (EdgeKind.HTTP.value, EdgeKind.EVENT.value):
        return f"edge.{e.kind}"
    return "edge.other"


def _label(e: ViewEdge) -> str:
    text = ", ".join(e.labels)
    if e.undeclared:
        text = f"! {text or 'undeclared'}"
    if e.calls is not None:
        text += f" ×{e.calls}"
        if e.errors:
            text += f" {e.error_rate:.0%} err"
    return text.strip()


def _place_label(
    canvas: Canvas, points: list[tuple[int, int]], label: str, owner: int, style: str
) -> bool:
    """Write the label on the longest stretch of the edge's own horizontal line (centred, one
    line cell kept on each side); truncated with … when at least 6 cells are free."""
    best: tuple[int, int, int] | None = None  # (length, y, x0)
    for (xa, ya), (xb, yb) in pairwise(points):
        if ya != yb:
            continue
        lo, hi = min(xa, xb), max(xa, xb)
        x = lo
        while x <= hi:
            if not canvas.horizontal_run(ya, x, x, owner):
                x += 1
                continue
            start = x
            while x + 1 <= hi and canvas.horizontal_run(ya, x + 1, x + 1, owner):
                x += 1
            length = x - start + 1
            if best is None or length > best[0]:
                best = (length, ya, start)
            x += 1
    if best is None:
        return False
    length, y, x0 = best
    room = length - 2
    text = label if len(label) <= room else (_fit(label, room) if room >= 6 else "")
    if not text:
        return False
    canvas.put(x0 + 1 + (room - len(text)) // 2, y, text, style)
    return text == label


# -- legend ------------------------------------------------------------------------------------
def _add_legend(drawing: Drawing, view: View, width: int) -> None:
    kinds = {e.kind for e in view.edges}
    items: list[list[tuple[str, str | None]]] = []
    if EdgeKind.HTTP.value in kinds:
        items.append([("─▶", "edge.http"), (" http", "legend")])
    if EdgeKind.EVENT.value in kinds:
        items.append([("┄▶", "edge.event"), (" event", "legend")])
    if kinds - {EdgeKind.HTTP.value, EdgeKind.EVENT.value}:
        items.append([("╌▶", "edge.other"), (" volume/netns", "legend")])
    if any(len(u.members) > 1 for u in view.units):
        items.append([("╞═╡", "node.declared"), (" sidecar", "legend")])
    if any(e.undeclared for e in view.edges):
        items.append([("!", "edge.undeclared"), (" undeclared call", "legend")])
    if any(e.errors for e in view.edges):
        items.append([("──", "edge.error"), (" errors", "legend")])
    states = {m.state for u in view.units for m in u.members}
    for state, glyph in STATE_GLYPH.items():
        if state in states:
            items.append([(glyph, _state_style(state)), (f" {state}", "legend")])
    if any(u.members[0].kind == NodeKind.EXTERNAL.value for u in view.units):
        items.append([("┌╌┐", "node.declared"), (" outside the system", "legend")])
    if view.collapsed:
        items.append([("╭╮", "node.declared"), (" context (collapsed)", "legend")])
    row: list[tuple[str, str | None]] = []
    used = 0
    for item in items:
        size = sum(len(t) for t, _ in item)
        if row and used + 2 + size > width:
            drawing.rows.append(row)
            row, used = [], 0
        if row:
            row.append(("  ", None))
            used += 2
        row += item
        used += size
    if row:
        drawing.rows.append(row)
    for note in drawing.notes:
        drawing.rows.append([(_fit(note, width), "legend")])
