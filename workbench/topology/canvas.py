"""A character canvas: lines drawn as direction masks, turned into box-drawing glyphs at the end,
so crossings and branches get the right junction (┼ ├ ┬ ...) whatever order they were drawn in.

Each cell also carries a style name (e.g. `edge.event`, `node.ready`); the renderer maps style
names to colours. The canvas knows nothing about graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

UP, DOWN, LEFT, RIGHT = 1, 2, 4, 8

_SOLID = {
    0: " ", UP: "│", DOWN: "│", UP | DOWN: "│", LEFT: "─", RIGHT: "─", LEFT | RIGHT: "─",
    DOWN | RIGHT: "┌", DOWN | LEFT: "┐", UP | RIGHT: "└", UP | LEFT: "┘",
    UP | DOWN | RIGHT: "├", UP | DOWN | LEFT: "┤", LEFT | RIGHT | DOWN: "┬",
    LEFT | RIGHT | UP: "┴", UP | DOWN | LEFT | RIGHT: "┼",
}
_STRAIGHT = {
    "solid": ("─", "│"),
    "dashed": ("┄", "┆"),
    "dotted": ("╌", "╎"),
}

SHARED = -2
"""Owner of a cell that more than one line passes through."""


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.chars = [[" "] * width for _ in range(height)]
        self.styles: list[list[str | None]] = [[None] * width for _ in range(height)]
        self.masks = [[0] * width for _ in range(height)]
        self.line_kind: list[list[str]] = [["solid"] * width for _ in range(height)]
        self.owner = [[-1] * width for _ in range(height)]
        self.fixed = [[False] * width for _ in range(height)]
        """Cells written as text (boxes, labels): lines never overwrite them."""

    # -- lines -------------------------------------------------------------------------------
    def _mark(self, x: int, y: int, bits: int, kind: str, style: str,  # noqa: PLR0917
              owner: int) -> None:
        if not (0 <= x < self.width and 0 <= y < self.height) or self.fixed[y][x]:
            return
        if self.masks[y][x] == 0:
            self.line_kind[y][x] = kind
            self.styles[y][x] = style
            self.owner[y][x] = owner
        elif self.owner[y][x] != owner:
            self.owner[y][x] = SHARED
        self.masks[y][x] |= bits

    def polyline(self, points: Iterable[tuple[int, int]], kind: str, style: str, *,
                 owner: int = -1, open_start: int = 0, open_end: int = 0) -> None:
        """Draw an orthogonal polyline; `open_start`/`open_end` add a stub direction at the ends
        (so a line touching a box border reads as connected)."""
        pts = list(points)
        if not pts:
            return
        if open_start:
            self._mark(*pts[0], open_start, kind, style, owner)
        for (x0, y0), (x1, y1) in pairwise(pts):
            if y0 == y1:
                step = 1 if x1 > x0 else -1
                for x in range(x0, x1, step):
                    self._mark(x, y0, RIGHT if step > 0 else LEFT, kind, style, owner)
                    self._mark(x + step, y0, LEFT if step > 0 else RIGHT, kind, style, owner)
            else:
                step = 1 if y1 > y0 else -1
                for y in range(y0, y1, step):
                    self._mark(x0, y, DOWN if step > 0 else UP, kind, style, owner)
                    self._mark(x0, y + step, UP if step > 0 else DOWN, kind, style, owner)
        if open_end:
            self._mark(*pts[-1], open_end, kind, style, owner)
        if len(pts) == 1 and not (open_start or open_end):
            self._mark(*pts[0], LEFT | RIGHT, kind, style, owner)

    # -- text --------------------------------------------------------------------------------
    def put(self, x: int, y: int, text: str, style: str | None = None) -> None:
        """Write text (one cell per character: callers use single-width glyphs only)."""
        if not 0 <= y < self.height:
            return
        for i, ch in enumerate(text):
            cx = x + i
            if 0 <= cx < self.width:
                self.chars[y][cx] = ch
                self.styles[y][cx] = style
                self.fixed[y][cx] = True
                self.masks[y][cx] = 0

    def box(self, x: int, y: int, w: int, h: int, style: str, *, rounded: bool = False) -> None:
        tl, tr, bl, br = ("╭", "╮", "╰", "╯") if rounded else ("┌", "┐", "└", "┘")
        self.put(x, y, tl + "─" * (w - 2) + tr, style)
        for row in range(y + 1, y + h - 1):
            self.put(x, row, "│", style)
            self.put(x + 1, row, " " * (w - 2), None)
            self.put(x + w - 1, row, "│", style)
        self.put(x, y + h - 1, bl + "─" * (w - 2) + br, style)

    def horizontal_run(self, y: int, x0: int, x1: int, owner: int) -> bool:
        """Whether cells x0..x1 of row y are a plain horizontal line of `owner` alone."""
        return all(
            self.masks[y][x] == (LEFT | RIGHT) and self.owner[y][x] == owner
            and not self.fixed[y][x]
            for x in range(x0, x1 + 1)
        )

    # -- output ------------------------------------------------------------------------------
    def _glyph(self, x: int, y: int) -> str:
        mask = self.masks[y][x]
        kind = self.line_kind[y][x]
        if mask in (LEFT, RIGHT, LEFT | RIGHT):
            return _STRAIGHT[kind][0]
        if mask in (UP, DOWN, UP | DOWN):
            return _STRAIGHT[kind][1]
        return _SOLID[mask]

    def finish(self) -> None:
        """Turn line masks into glyphs (call once, after all drawing)."""
        for y in range(self.height):
            masks, chars, fixed = self.masks[y], self.chars[y], self.fixed[y]
            for x in range(self.width):
                if masks[x] and not fixed[x]:
                    chars[x] = self._glyph(x, y)

    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.chars]

    def runs(self, y: int) -> list[tuple[str, str | None]]:
        """Row `y` as (text, style) runs, trailing blanks dropped."""
        chars, styles = self.chars[y], self.styles[y]
        end = len(chars)
        while end and chars[end - 1] == " ":
            end -= 1
        out: list[tuple[str, str | None]] = []
        start = 0
        for x in range(1, end + 1):
            if x == end or styles[x] != styles[start]:
                out.append(("".join(chars[start:x]), styles[start]))
                start = x
        return out
