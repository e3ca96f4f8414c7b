"""Drawings of a topology graph: in the terminal (CLI `graph`, the TUI widget) and as files
(`workbench diagram`). Presentation lives here and only here: glyphs, colours, shapes and
layout; the graph itself (`workbench.topology`) carries none of it.

Two halves that share the graph model and nothing else:

- `terminal/`: `render(g, width=80, height=None, *, collapse="auto") -> Drawing`. The graph is
  folded into boxes (`view.py`), laid out left to right (`layout.py`), drawn on a character canvas
  (`canvas.py`) by `render.py`, which owns the glyphs (`STATE_GLYPH`) and the rich styles
  (`PALETTE`). A `Drawing` has plain text lines (golden files, logs), `rich(palette)` (imports rich
  only when called) and the box of every node (`node_at(x, y)`, for mouse selection in the TUI).
- `export/`: `to_dot(g)`, `to_mermaid(g)` (deterministic text: the same lab gives the same bytes),
  `render_image(g, fmt, out_dir, name)` for PNG and SVG (`images.py`: the only module that imports
  `diagrams`, and only when called), and `export_lab(lab, formats, out_dir)` / `parse_formats` /
  `FORMATS` (`files.py`: what `workbench diagram` calls).

Importing this package loads none of rich, diagrams, textual, docker or httpx.
"""

from __future__ import annotations

from workbench.drawing.export import (
    FORMATS,
    export_graph,
    export_lab,
    parse_formats,
    to_dot,
    to_mermaid,
)
from workbench.drawing.terminal import PALETTE, STATE_GLYPH, Drawing, render

__all__ = [
    "FORMATS",
    "PALETTE",
    "STATE_GLYPH",
    "Drawing",
    "export_graph",
    "export_lab",
    "parse_formats",
    "render",
    "to_dot",
    "to_mermaid",
]
