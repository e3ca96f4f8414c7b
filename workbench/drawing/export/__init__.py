"""File exports of a lab's topology: Graphviz DOT and Mermaid text (deterministic: the same lab
gives the same text), PNG and SVG images through the `diagrams` package (the only module that
imports it is `images.py`, and only inside `render_image`). `structure.py` holds the clusters
(contexts, sidecar groups, broker with its subjects) and edge labels every export shares.

Public API: `to_dot(g)`, `to_mermaid(g)`, `images.render_image(g, fmt, out_dir, name)`, and
`export_lab(lab, formats, out_dir)` / `export_graph(g, formats, out_dir, name)` /
`parse_formats(value)` / `FORMATS` in `files.py` (what
`workbench diagram` calls).
"""

from __future__ import annotations

from workbench.drawing.export.dot import to_dot
from workbench.drawing.export.files import FORMATS, export_graph, export_lab, parse_formats
from workbench.drawing.export.mermaid import to_mermaid

__all__ = ["FORMATS", "export_graph", "export_lab", "parse_formats", "to_dot", "to_mermaid"]
