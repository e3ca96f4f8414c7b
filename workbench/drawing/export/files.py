"""`workbench diagram`: which formats, which file names, written how.

Files are `<out_dir>/<lab>.<ext>` (ext: png, svg, dot, mmd). Text formats are written to a
temporary file and moved into place, like images, so a failure never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError
from workbench.lab.model import Lab

if TYPE_CHECKING:
    import networkx as nx

FORMATS = ("png", "svg", "dot", "mermaid")
EXTENSIONS = {"png": "png", "svg": "svg", "dot": "dot", "mermaid": "mmd"}


def parse_formats(value: str) -> list[str]:
    """`png`, `svg,dot`, `all` -> formats in a stable order; anything else names the choices."""
    if value == "all":
        return list(FORMATS)
    chosen = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise WorkbenchError(
            f"unknown diagram format {', '.join(unknown) or repr(value)}",
            f"formats: {', '.join(FORMATS)}, or all",
        )
    return [f for f in FORMATS if f in chosen]


def export_lab(lab: Lab, formats: list[str], out_dir: Path) -> list[Path]:
    """Write the lab's topology in every format; text formats first (they need no Graphviz)."""
    from workbench.topology import build_graph

    return export_graph(build_graph(lab), formats, out_dir, lab.id)


def export_graph(g: nx.MultiDiGraph, formats: list[str], out_dir: Path, name: str) -> list[Path]:
    """Write any topology graph (a lab's, a learner's design) as `<out_dir>/<name>.<ext>`."""
    written: list[Path] = []
    for fmt in sorted(formats, key=lambda f: f in ("png", "svg")):
        if fmt in ("png", "svg"):
            from workbench.drawing.export.images import render_image

            written.append(render_image(g, fmt, out_dir, name))
        else:
            written.append(write_text(out_dir / f"{name}.{EXTENSIONS[fmt]}", text_export(g, fmt)))
    return written


def text_export(g: object, fmt: str) -> str:
    from workbench.drawing.export.dot import to_dot
    from workbench.drawing.export.mermaid import to_mermaid

    return to_dot(g) if fmt == "dot" else to_mermaid(g)


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; exports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
