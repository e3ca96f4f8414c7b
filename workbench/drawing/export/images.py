"""PNG and SVG images of a topology through the `diagrams` package (the only importer of it).

`diagrams` keeps a global "current diagram", renders even when the `with` body raised, writes
next to the current directory and makes random node ids. So all of it is wrapped in
`render_image`: a fresh context per call, stable node ids, rendering into a temporary folder
beside the output, then one move into place, so a failure leaves nothing half-written.
SVGs get their icons inlined (Graphviz links them by absolute path into the venv otherwise).
"""

from __future__ import annotations

import base64
import contextvars
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import networkx as nx

from workbench.drawing.export.mermaid import mermaid_ids
from workbench.drawing.export.structure import Cluster, clusters, edge_label
from workbench.errors import WorkbenchError
from workbench.topology.kinds import EdgeKind, NodeKind

IMAGE_FORMATS = ("png", "svg")

EDGE_STYLE: dict[str, dict[str, str]] = {
    EdgeKind.HTTP.value: {"style": "solid", "color": "#4a5568"},
    EdgeKind.EVENT.value: {"style": "dashed", "color": "#1f78b4"},
    EdgeKind.VOLUME.value: {"style": "dotted", "color": "#6a3d9a"},
    EdgeKind.NETNS.value: {"style": "bold", "color": "#b15928"},
    EdgeKind.STORE.value: {"style": "solid", "color": "#a0aec0"},
}


class GraphvizMissingError(WorkbenchError):
    def __init__(self) -> None:
        super().__init__(
            "PNG and SVG export needs Graphviz (the `dot` program), which is not installed",
            "install it with `sudo apt-get install graphviz` (macOS: `brew install graphviz`); "
            "the mermaid and dot formats work without it",
        )


def render_image(g: nx.MultiDiGraph, fmt: str, out_dir: Path, name: str) -> Path:
    """Render `g` as `<out_dir>/<name>.<fmt>` (png or svg) and return the path."""
    if fmt not in IMAGE_FORMATS:
        raise WorkbenchError(
            f"unknown image format {fmt!r}", f"use one of: {', '.join(IMAGE_FORMATS)}"
        )
    if shutil.which("dot") is None:
        raise GraphvizMissingError()
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir))
    try:
        # a fresh context: diagrams' global "current diagram" never leaks between calls
        contextvars.Context().run(_draw, g, tmp / name, fmt)
        produced = tmp / f"{name}.{fmt}"
        if fmt == "svg":
            _inline_images(produced)
        target = out_dir / f"{name}.{fmt}"
        os.replace(produced, target)
        return target
    except WorkbenchError:
        raise
    except Exception as exc:  # graphviz failures come as many types; say what failed
        raise WorkbenchError(
            f"could not render {name}.{fmt}: {exc}",
            "the mermaid and dot formats do not need Graphviz",
        ) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _draw(g: nx.MultiDiGraph, base: Path, fmt: str) -> None:
    # ignores: the repo's `diagrams/` output folder looks like a namespace package to mypy
    from diagrams import Cluster as DCluster  # type: ignore[attr-defined]
    from diagrams import Diagram, Edge  # type: ignore[attr-defined]

    ids = mermaid_ids(g)  # letters, digits and _ only: safe as Graphviz ids too
    title = str(g.graph.get("title", g.graph.get("lab", "topology")))
    made: dict[str, Any] = {}

    def cluster(c: Cluster) -> None:
        style = {"context": "rounded", "group": "rounded,dashed", "broker": "rounded,dotted"}
        with DCluster(c.label, graph_attr={"style": style[c.kind]}):
            for child in c.children:
                cluster(child)
            for node in c.nodes:
                made[node] = _node(g, node, ids[node])

    with Diagram(
        title,
        filename=str(base),
        outformat=fmt,
        show=False,
        direction="LR",
        graph_attr={"pad": "0.5", "splines": "spline", "nodesep": "0.5"},
    ):
        top, roots = clusters(g)
        for c in roots:
            cluster(c)
        for node in top:
            made[node] = _node(g, node, ids[node])
        for u, v, _key, attrs in sorted(
            g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))
        ):
            kind = str(attrs.get("kind", EdgeKind.HTTP.value))
            style = dict(EDGE_STYLE.get(kind, {}))
            label = edge_label(attrs)
            if attrs.get("undeclared"):
                style.update(color="#d53f8c", penwidth="2")
                label = f"undeclared {label}".strip()
            if kind in (EdgeKind.STORE.value, EdgeKind.VOLUME.value):
                style["arrowhead"] = "none" if kind == EdgeKind.STORE.value else "normal"
            made[u] >> Edge(label=label, **style) >> made[v]


def _node(g: nx.MultiDiGraph, node: str, nodeid: str) -> Any:
    from diagrams.generic.database import SQL
    from diagrams.generic.storage import Storage
    from diagrams.onprem.network import Internet
    from diagrams.onprem.queue import Nats
    from diagrams.programming.framework import Fastapi

    from diagrams import Node  # type: ignore[attr-defined]

    attrs = g.nodes[node]
    kind = attrs.get("kind")
    label = str(attrs.get("label", node))
    icon: dict[str, Any] = {
        NodeKind.SERVICE.value: Fastapi,
        NodeKind.BROKER.value: Nats,
        NodeKind.STORE.value: SQL,
        NodeKind.VOLUME.value: Storage,
        NodeKind.EXTERNAL.value: Internet,
    }
    if kind in icon:
        return icon[str(kind)](label, nodeid=nodeid)
    # a subject: a small tag, no icon
    return Node(
        label,
        nodeid=nodeid,
        shape="cds",
        fixedsize="false",
        width="1.2",
        height="0.4",
        labelloc="c",
        style="filled",
        fillcolor="#ebf8ff",
        color="#3182ce",
        fontsize="11",
    )


_HREF = re.compile(r'xlink:href="([^"]+\.png)"')


def _inline_images(svg: Path) -> None:
    text = svg.read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        path = Path(match.group(1))
        if not path.is_file():
            return match.group(0)
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'xlink:href="data:image/png;base64,{encoded}"'

    svg.write_text(_HREF.sub(data_uri, text), encoding="utf-8")
