"""Layered left-to-right layout on a character grid (Sugiyama style, kept small and fast).

1. `rank`: break cycles (depth-first, back edges reversed), put each node in the layer of its
   dependency depth (longest path from a source; sources pulled right next to what they call),
   split long edges with dummy nodes, then order each layer by barycenter sweeps, keeping the
   order with the fewest crossings.
2. `place`: stack each layer's boxes (never overlapping), align them with their neighbours, give
   every edge its own port row where the box has room and its own vertical channel in the gap
   between two layers, and return the rectangles and an orthogonal polyline per edge.

Geometry only: no glyphs, no colours (see canvas.py and render.py).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

Point = tuple[int, int]


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        """The last column inside the rectangle."""
        return self.x + self.w - 1

    @property
    def bottom(self) -> int:
        return self.y + self.h - 1

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x <= self.right and self.y <= y <= self.bottom


@dataclass(frozen=True)
class LayoutEdge:
    source: str
    target: str
    source_rows: tuple[int, int] | None = None
    """Rows (offsets from the node's top, inclusive) where the edge may leave; default: inside."""
    target_rows: tuple[int, int] | None = None


@dataclass
class Ranking:
    layers: list[list[str]]
    """Node ids per layer, top to bottom; dummies are `\\0<n>`."""
    chains: list[list[str] | None]
    """Per input edge: its nodes from the left end to the right end (None for a self-loop)."""
    reversed: list[bool]
    layer_of: dict[str, int]
    down: dict[str, list[str]] = field(default_factory=dict)
    """Next node of every segment, per node (deduplicated, in layer order)."""
    crossings: int = 0


@dataclass
class Route:
    points: list[Point]
    """Orthogonal polyline from the left end to the right end (just outside both boxes)."""
    reversed: bool
    """True when the edge points right-to-left (it closes a cycle): the arrow is at the left."""


@dataclass
class Layout:
    rects: dict[str, Rect]
    routes: list[Route | None]
    width: int
    height: int
    layers: list[list[str]] = field(default_factory=list)


def is_dummy(node: str) -> bool:
    return node.startswith("\0")


def rank(nodes: Sequence[str], edges: Sequence[LayoutEdge], sweeps: int = 4) -> Ranking:
    """Layers and orders for `nodes` (their order is the tie-breaker: pass them sorted)."""
    index = {n: i for i, n in enumerate(nodes)}
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for e in edges:
        if e.source != e.target:
            succ[e.source].append(e.target)
    back = _back_edges(nodes, succ)

    dag: dict[str, set[str]] = {n: set() for n in nodes}
    directed: list[tuple[str, str] | None] = []
    flipped: list[bool] = []
    for e in edges:
        if e.source == e.target:
            directed.append(None)
            flipped.append(False)
            continue
        rev = (e.source, e.target) in back
        u, v = (e.target, e.source) if rev else (e.source, e.target)
        dag[u].add(v)
        directed.append((u, v))
        flipped.append(rev)

    layer_of = _longest_path_layers(nodes, dag, index)
    n_layers = max(layer_of.values(), default=-1) + 1
    layers: list[list[str]] = [[] for _ in range(n_layers)]
    for n in nodes:
        layers[layer_of[n]].append(n)

    # Split long edges; consecutive-layer segments are shared by edges with the same ends.
    down: dict[str, list[str]] = {n: [] for n in nodes}
    up: dict[str, list[str]] = {n: [] for n in nodes}
    chains: list[list[str] | None] = []
    dummy_count = 0
    for pair in directed:
        if pair is None:
            chains.append(None)
            continue
        u, v = pair
        chain = [u]
        for layer in range(layer_of[u] + 1, layer_of[v]):
            dummy = f"\0{dummy_count}"
            dummy_count += 1
            layer_of[dummy] = layer
            layers[layer].append(dummy)
            down[dummy], up[dummy] = [], []
            chain.append(dummy)
        chain.append(v)
        for a, b in pairwise(chain):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)

    layers, crossings = _order(layers, down, up, sweeps)
    unique = {n: list(dict.fromkeys(nxt)) for n, nxt in down.items()}
    return Ranking(layers, chains, flipped, layer_of, unique, crossings)


def _back_edges(nodes: Sequence[str], succ: Mapping[str, list[str]]) -> set[tuple[str, str]]:
    """Edges that close a cycle in a depth-first search (iterative: no recursion limit)."""
    state: dict[str, int] = {}  # 1 on stack, 2 done
    back: set[tuple[str, str]] = set()
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return back


def _longest_path_layers(
    nodes: Sequence[str], dag: Mapping[str, set[str]], index: Mapping[str, int]
) -> dict[str, int]:
    indeg = dict.fromkeys(nodes, 0)
    for u in nodes:
        for v in dag[u]:
            indeg[v] += 1
    ready = [n for n in nodes if indeg[n] == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=index.__getitem__, reverse=True)
        n = ready.pop()
        order.append(n)
        for v in dag[n]:
            indeg[v] -= 1
            if indeg[v] == 0:
                ready.append(v)
    layer = dict.fromkeys(nodes, 0)
    for u in order:
        for v in dag[u]:
            layer[v] = max(layer[v], layer[u] + 1)
    has_pred = {v for u in nodes for v in dag[u]}
    for u in reversed(order):  # a source sits just left of the first thing it calls
        if u not in has_pred and dag[u]:
            layer[u] = min(layer[v] for v in dag[u]) - 1
    return layer


def _order(
    layers: list[list[str]], down: Mapping[str, list[str]], up: Mapping[str, list[str]], sweeps: int
) -> tuple[list[list[str]], int]:
    best = [list(layer) for layer in layers]
    counting = sum(len(layer) for layer in layers) <= 600
    best_crossings = _crossings(best, down) if counting else 0
    current = [list(layer) for layer in layers]
    for sweep in range(sweeps * 2):
        downward = sweep % 2 == 0
        span = range(1, len(current)) if downward else range(len(current) - 2, -1, -1)
        for i in span:
            ref = current[i - 1] if downward else current[i + 1]
            pos = {n: p for p, n in enumerate(ref)}
            neighbours = up if downward else down
            keyed = []
            for p, n in enumerate(current[i]):
                ns = [pos[m] for m in neighbours[n] if m in pos]
                keyed.append((sum(ns) / len(ns) if ns else float(p), p, n))
            keyed.sort()
            current[i] = [n for _b, _p, n in keyed]
        if not counting:  # big graphs: counting costs more than it saves; keep the sweeps
            best = current
            continue
        crossings = _crossings(current, down)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in current], crossings
        if best_crossings == 0:
            break
    return best, best_crossings


def _crossings(layers: list[list[str]], down: Mapping[str, list[str]]) -> int:
    """Edge crossings between consecutive layers (inversions counted with a Fenwick tree)."""
    total = 0
    for upper, lower in pairwise(layers):
        pos = {n: p for p, n in enumerate(lower)}
        targets = [pos[v] for u in upper for v in sorted(down[u], key=pos.__getitem__)]
        tree = [0] * (len(lower) + 1)
        for seen, t in enumerate(targets):
            # count earlier targets greater than t
            i, le = t + 1, 0
            while i > 0:
                le += tree[i]
                i -= i & -i
            total += seen - le
            i = t + 1
            while i <= len(lower):
                tree[i] += 1
                i += i & -i
    return total


def place(
    ranking: Ranking,
    sizes: Mapping[str, tuple[int, int]],
    edges: Sequence[LayoutEdge],
    *,
    min_gap: int = 5,
    gap_wants: Sequence[int] = (),
    width: int | None = None,
    max_gap: int = 24,
    align_passes: int = 2,
) -> Layout:
    """Positions for every box and a route for every edge (see the module docstring).

    `sizes` gives (width, height) of each real node; `width` is the width to spread out to when
    the drawing is narrower (more room for labels); it is never squeezed below what it needs.
    `gap_wants[i]` asks for at least that many columns between layer i and i + 1 (labels).
    """
    layers = ranking.layers
    heights = {n: (1 if is_dummy(n) else sizes[n][1]) for layer in layers for n in layer}
    tops = _vertical(layers, heights, ranking, align_passes)

    # Ports: which row each segment leaves/enters its node on.
    seg_rows = _ports(ranking, edges, tops, heights)

    # Channels per gap, then x of each layer.
    layer_w = [max((sizes[n][0] for n in layer if not is_dummy(n)), default=1) for layer in layers]
    gap_channels: list[dict[tuple[str, str], int]] = []
    gap_widths: list[int] = []
    for i in range(len(layers) - 1):
        segs = {(a, b): seg_rows[(a, b)] for a in layers[i] for b in ranking.down[a]}
        channels = _channels(segs)
        gap_channels.append(channels)
        want = gap_wants[i] if i < len(gap_wants) else 0
        gap_widths.append(max(min_gap, want, max(channels.values(), default=-1) + 1 + 4))
    natural = sum(layer_w) + sum(gap_widths)
    if width is not None and gap_widths and natural < width:
        extra = width - natural
        for i in range(len(gap_widths)):
            add = min(extra // (len(gap_widths) - i), max(0, max_gap - gap_widths[i]))
            gap_widths[i] += add
            extra -= add
    xs = []
    x = 0
    for i, w in enumerate(layer_w):
        xs.append(x)
        x += w + (gap_widths[i] if i < len(gap_widths) else 0)
    total_w = x

    rects: dict[str, Rect] = {}
    for i, layer in enumerate(layers):
        for n in layer:
            if not is_dummy(n):
                w, h = sizes[n]
                rects[n] = Rect(xs[i] + (layer_w[i] - w) // 2, tops[n], w, h)

    routes: list[Route | None] = []
    for chain, rev in zip(ranking.chains, ranking.reversed, strict=True):
        if chain is None:
            routes.append(None)
            continue
        points: list[Point] = []
        for k, (a, b) in enumerate(pairwise(chain)):
            i = ranking.layer_of[a]
            ys, yt = seg_rows[(a, b)]
            start_x = rects[a].right + 1 if a in rects else xs[i]
            if k == 0:
                points.append((start_x, ys))
            else:  # through the dummy's layer column
                points.append((xs[i] + layer_w[i] - 1, ys))
            gap_x = xs[i] + layer_w[i]
            if ys != yt:
                cx = gap_x + 1 + gap_channels[i][(a, b)]
                points += [(cx, ys), (cx, yt)]
            end_x = rects[b].x - 1 if b in rects else xs[i + 1]
            points.append((end_x, yt))
        routes.append(Route(_simplify(points), rev))
    height = max((tops[n] + heights[n] for layer in layers for n in layer), default=0)
    return Layout(rects, routes, total_w, height, layers)


def _vertical(
    layers: list[list[str]], heights: Mapping[str, int], ranking: Ranking, passes: int
) -> dict[str, int]:
    def gap(a: str, b: str) -> int:
        return 0 if is_dummy(a) and is_dummy(b) else 1

    total = max(
        (
            sum(heights[n] for n in layer) + sum(gap(a, b) for a, b in pairwise(layer))
            for layer in layers
        ),
        default=0,
    )
    tops: dict[str, int] = {}
    for layer in layers:  # start centred in the tallest layer's height
        used = sum(heights[n] for n in layer) + sum(gap(a, b) for a, b in pairwise(layer))
        y = (total - used) // 2
        for a, b in zip(layer, [*layer[1:], ""], strict=True):
            tops[a] = y
            y += heights[a] + (gap(a, b) if b else 0)

    neighbours_up: dict[str, list[str]] = {n: [] for layer in layers for n in layer}
    neighbours_down: dict[str, list[str]] = {n: [] for layer in layers for n in layer}
    for chain in ranking.chains:
        if chain:
            for a, b in pairwise(chain):
                neighbours_down[a].append(b)
                neighbours_up[b].append(a)

    for sweep in range(passes * 2):
        downward = sweep % 2 == 0
        order = layers[1:] if downward else list(reversed(layers[:-1]))
        for layer in order:
            desired = []
            for n in layer:
                ns = (neighbours_up if downward else neighbours_down)[n]
                if ns:
                    centre = sum(tops[m] + heights[m] / 2 for m in ns) / len(ns)
                    desired.append(round(centre - heights[n] / 2))
                else:
                    desired.append(tops[n])
            # forward: no overlap; backward: stay within the total height
            prev_bottom = None
            for k, n in enumerate(layer):
                top = max(desired[k], 0)
                if prev_bottom is not None:
                    top = max(top, prev_bottom + 1 + gap(layer[k - 1], n))
                tops[n] = top
                prev_bottom = top + heights[n] - 1
            limit = total
            for k in range(len(layer) - 1, -1, -1):
                n = layer[k]
                tops[n] = min(tops[n], limit - heights[n])
                limit = tops[n] - (gap(layer[k - 1], n) if k else 0)
    return tops


def _ports(
    ranking: Ranking,
    edges: Sequence[LayoutEdge],
    tops: Mapping[str, int],
    heights: Mapping[str, int],
) -> dict[tuple[str, str], tuple[int, int]]:
    """Row of each segment's left and right end: spread over each box side, sorted by the other
    end's position so the lines leaving one box do not cross each other."""
    right_side: dict[str, list[tuple[str, tuple[int, int]]]] = {}
    left_side: dict[str, list[tuple[str, tuple[int, int]]]] = {}
    for e, chain, rev in zip(edges, ranking.chains, ranking.reversed, strict=True):
        if chain is None:
            continue
        a, b = chain[0], chain[1]
        y, z = chain[-2], chain[-1]
        left_rows = e.target_rows if rev else e.source_rows
        right_rows = e.source_rows if rev else e.target_rows
        right_side.setdefault(a, []).append((b, _rows(left_rows, heights[a])))
        left_side.setdefault(z, []).append((y, _rows(right_rows, heights[z])))

    def centre(n: str) -> float:
        return tops[n] + heights[n] / 2

    out_row: dict[tuple[str, str], int] = {}
    in_row: dict[tuple[str, str], int] = {}
    for side, table, key in ((right_side, out_row, False), (left_side, in_row, True)):
        for node, ends in side.items():
            by_range: dict[tuple[int, int], list[str]] = {}
            for other, span in ends:
                members = by_range.setdefault(span, [])
                if other not in members:
                    members.append(other)
            for (lo, hi), others in by_range.items():
                others.sort(key=centre)
                k = hi - lo + 1
                for j, other in enumerate(others):
                    off = (
                        int((j + 0.5) * k / len(others))
                        if len(others) <= k
                        else j * k // len(others)
                    )
                    table[(other, node) if key else (node, other)] = tops[node] + lo + off
    seg_rows: dict[tuple[str, str], tuple[int, int]] = {}
    for chain in ranking.chains:
        if chain is None:
            continue
        for a, b in pairwise(chain):
            ys = tops[a] if is_dummy(a) else out_row.get((a, b), tops[a] + heights[a] // 2)
            yt = tops[b] if is_dummy(b) else in_row.get((a, b), tops[b] + heights[b] // 2)
            seg_rows[(a, b)] = (ys, yt)
    return seg_rows


def _rows(rows: tuple[int, int] | None, height: int) -> tuple[int, int]:
    if rows is not None:
        return rows
    return (1, height - 2) if height > 2 else (0, height - 1)


def _channels(segs: Mapping[tuple[str, str], tuple[int, int]]) -> dict[tuple[str, str], int]:
    """A vertical channel per bending segment: no two overlapping spans share a channel, and a
    segment leaving at row r is left of any segment arriving at row r (else their horizontal
    runs would merge into one line that seems to go straight across)."""
    # Order that avoids needless crossings: among segments going down, the one starting lower
    # (and, from one port, the one going further) takes the column nearer the source side;
    # mirrored for segments going up.
    downs = sorted(
        (s for s, (ys, yt) in segs.items() if ys < yt), key=lambda s: (-segs[s][0], -segs[s][1])
    )
    ups = sorted(
        (s for s, (ys, yt) in segs.items() if ys > yt), key=lambda s: (segs[s][0], segs[s][1])
    )
    order = downs + ups
    leaving: dict[int, list[tuple[str, str]]] = {}
    for s in order:
        leaving.setdefault(segs[s][0], []).append(s)
    # t leaves at the row where s arrives: t goes first (Kahn's order; a cycle is broken at the
    # first waiting segment)
    before = {s: [t for t in leaving.get(segs[s][1], []) if t != s] for s in order}
    after: dict[tuple[str, str], list[tuple[str, str]]] = {s: [] for s in order}
    waiting = {s: len(ts) for s, ts in before.items()}
    for s, ts in before.items():
        for t in ts:
            after[t].append(s)
    placed: dict[tuple[str, str], int] = {}
    columns: list[list[tuple[int, int]]] = []
    pending = dict.fromkeys(order)
    position = {s: i for i, s in enumerate(order)}
    ready = [(position[s], s) for s in order if not waiting[s]]
    heapq.heapify(ready)
    while pending:
        s = heapq.heappop(ready)[1] if ready else next(iter(pending))
        if s not in pending:
            continue
        del pending[s]
        for t in after[s]:
            waiting[t] -= 1
            if waiting[t] == 0 and t in pending:
                heapq.heappush(ready, (position[t], t))
        lo, hi = min(segs[s]), max(segs[s])
        c = max((placed[t] + 1 for t in before[s] if t in placed), default=0)
        while c < len(columns) and any(a <= hi and lo <= b for a, b in columns[c]):
            c += 1
        if c == len(columns):
            columns.append([])
        columns[c].append((lo, hi))
        placed[s] = c
    return placed


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated and collinear middle points."""
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (x0 == x1 == p[0]) or (y0 == y1 == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out
