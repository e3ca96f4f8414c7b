"""The terminal drawing of a topology, one renderer for the CLI (rich) and the TUI widget:
`view.py` folds the graph into boxes, `layout.py` places them (geometry only), `canvas.py` draws
lines and boxes as characters (knows nothing of graphs), `render.py` ties them together and owns
the glyphs and colours.

Public API: `render(g, width, ...) -> Drawing`, `PALETTE` (style name -> rich style, for dark
terminals; pass another to `Drawing.rich`), `STATE_GLYPH` (node state -> glyph).
"""

from __future__ import annotations

from workbench.drawing.terminal.render import PALETTE, STATE_GLYPH, Drawing, render

__all__ = ["PALETTE", "STATE_GLYPH", "Drawing", "render"]
