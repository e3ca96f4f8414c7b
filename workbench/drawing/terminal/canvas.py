"""A character canvas: lines drawn as direction masks, turned into box-drawing glyphs at the end,
so crossings and branches get the right junction (┼ ├ ┬ ...) whatever order they were drawn in.

Each cell also carries a style name (e.g. `edge.event`, `node.ready`); the renderer maps style
names to colours. The canvas knows nothing about graphs.

Cells live in flat lists (index y * width + x) and styles as one byte per cell, so a 200-node
drawing (~150k cells) renders in tens of milliseconds: runs of one style are found by a regex
over each row's style bytes, not by a Python loop over cells.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8

_SOLID = {
    0: " ",
    UP: "│",
    DOWN: "│",
    UP | DOWN: "│",
    LEFT: "─",
    RIGHT: "─",
    LEFT | RIGHT: "─",
    DOWN | RIGHT: "┌",
    DOWN | LEFT: "┐",
    UP | RIGHT: "└",
    UP | LEFT: "┘",
    UP | DOWN | RIGHT: "├",
    UP | DOWN | LEFT: "┤",
    LEFT | RIGHT | DOWN: "┬",
    LEFT | RIGHT | UP: "┴",
    UP | DOWN | LEFT | RIGHT: "┼",
}
_KINDS = ("solid", "dashed", "dotted")
_STRAIGHT = (("─", "│"), ("┄", "┆"), ("╌", "╎"))
_HORIZONTAL = {LEFT, RIGHT, LEFT | RIGHT}
_VERTICAL = {UP, DOWN, UP | DOWN}
_RUN = re.compile(rb"(.)\1*", re.DOTALL)

SHARED = -2
"""Owner of a cell that more than one line passes through."""


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        size = width * height
        self.chars = [" "] * size
        self.style_ids = bytearray(size)
        self.masks = [0] * size
        self.kinds = bytearray(size)
        self.owner = [-1] * size
        self.fixed = bytearray(size)
        """1 for cells written as text (boxes, labels): lines never overwrite them."""
        self._styles: list[str | None] = [None]
        self._style_id: dict[str | None, int] = {None: 0}
        self._touched: list[int] = []

    def _sid(self, style: str | None) -> int:
        sid = self._style_id.get(style)
        if sid is None:
            sid = self._style_id[style] = len(self._styles)
            self._styles.append(style)
        return sid

    # -- lines -------------------------------------------------------------------------------
    def polyline(
        self,
        points: Iterable[tuple[int, int]],
        kind: str,
        style: str,
        *,
        owner: int = -1,
        open_start: int = 0,
        open_end: int = 0,
    ) -> None:
        """Draw an orthogonal polyline; `open_start`/`open_end` add a stub direction at the ends
        (so a line touching a box border reads as connected)."""
        pts = list(points)
        if not pts:
            return
        k, sid = _KINDS.index(kind), self._sid(style)
        w, h = self.width, self.height
        if any(not (0 <= x < w and 0 <= y < h) for x, y in pts):
            raise ValueError(f"polyline leaves the canvas: {pts}")
        cells: dict[int, int] = {}  # index -> direction bits of this line
        get = cells.get
        if open_start:
            i = pts[0][1] * w + pts[0][0]
            cells[i] = get(i, 0) | open_start
        for (x0, y0), (x1, y1) in pairwise(pts):
            if y0 == y1:
                a, b = y0 * w + min(x0, x1), y0 * w + max(x0, x1)
                cells[a] = get(a, 0) | RIGHT
                cells[b] = get(b, 0) | LEFT
                for i in range(a + 1, b):
                    cells[i] = get(i, 0) | LEFT | RIGHT
            else:
                a, b = min(y0, y1) * w + x0, max(y0, y1) * w + x0
                cells[a] = get(a, 0) | DOWN
                cells[b] = get(b, 0) | UP
                for i in range(a + w, b, w):
                    cells[i] = get(i, 0) | UP | DOWN
        if open_end:
            i = pts[-1][1] * w + pts[-1][0]
            cells[i] = get(i, 0) | open_end
        if len(pts) == 1 and not (open_start or open_end):
            i = pts[0][1] * w + pts[0][0]
            cells[i] = LEFT | RIGHT
        masks, fixed, own = self.masks, self.fixed, self.owner
        for i, bits in cells.items():
            if fixed[i]:
                continue
            if masks[i] == 0:
                self.kinds[i] = k
                self.style_ids[i] = sid
                own[i] = owner
                self._touched.append(i)
            elif own[i] != owner:
                own[i] = SHARED
            masks[i] |= bits

    # -- text --------------------------------------------------------------------------------
    def put(self, x: int, y: int, text: str, style: str | None = None) -> None:
        """Write text (one cell per character: callers use single-width glyphs only)."""
        if not 0 <= y < self.height:
            return
        sid = self._sid(style)
        start, end = max(0, x), min(self.width, x + len(text))
        if start >= end:
            return
        a, b = y * self.width + start, y * self.width + end
        self.chars[a:b] = text[start - x : end - x]
        self.style_ids[a:b] = bytes([sid]) * (b - a)
        self.fixed[a:b] = b"\x01" * (b - a)
        self.masks[a:b] = [0] * (b - a)

    def box(
        self,
        x: int,
        y: int,
        w: int,
        h: int,
        style: str,
        *,
        rounded: bool = False,
        dashed: bool = False,
    ) -> None:
        tl, tr, bl, br = ("╭", "╮", "╰", "╯") if rounded else ("┌", "┐", "└", "┘")
        across, side = ("╌", "╎") if dashed else ("─", "│")
        self.put(x, y, tl + across * (w - 2) + tr, style)
        for row in range(y + 1, y + h - 1):
            self.put(x, row, side, style)
            self.put(x + 1, row, " " * (w - 2), None)
            self.put(x + w - 1, row, side, style)
        self.put(x, y + h - 1, bl + across * (w - 2) + br, style)

    def horizontal_run(self, y: int, x0: int, x1: int, owner: int) -> bool:
        """Whether cells x0..x1 of row y are a plain horizontal line of `owner` alone."""
        if not (0 <= y < self.height and x0 >= 0 and x1 < self.width):
            return False
        a = y * self.width + x0
        b = a + (x1 - x0) + 1
        # Slice counts run in C: this is called for every label placement on big graphs.
        masks = self.masks[a:b]
        return (
            masks.count(LEFT | RIGHT) == len(masks)
            and self.owner[a:b].count(owner) == len(masks)
            and self.fixed.count(0, a, b) == len(masks)
        )

    # -- output ------------------------------------------------------------------------------
    def finish(self) -> None:
        """Turn line masks into glyphs (call once, after all drawing)."""
        masks, chars, fixed, kinds = self.masks, self.chars, self.fixed, self.kinds
        for i in self._touched:
            mask = masks[i]
            if not mask or fixed[i]:
                continue
            if mask in _HORIZONTAL:
                chars[i] = _STRAIGHT[kinds[i]][0]
            elif mask in _VERTICAL:
                chars[i] = _STRAIGHT[kinds[i]][1]
            else:
                chars[i] = _SOLID[mask]

    def lines(self) -> list[str]:
        w = self.width
        return ["".join(self.chars[y * w : (y + 1) * w]).rstrip() for y in range(self.height)]

    def runs(self, y: int) -> list[tuple[str, str | None]]:
        """Row `y` as (text, style) runs, trailing blanks dropped."""
        w = self.width
        text = "".join(self.chars[y * w : (y + 1) * w]).rstrip()
        ids = bytes(self.style_ids[y * w : y * w + len(text)])
        styles = self._styles
        return [
            (text[start:end], styles[ids[start]])
            for start, end in (m.span() for m in _RUN.finditer(ids))
        ]
