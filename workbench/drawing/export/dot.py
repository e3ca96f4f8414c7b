"""Graphviz DOT text of a topology: stable ids, sorted nodes and edges, clusters for contexts,
sidecar groups and the broker's subjects, edge styles by protocol."""

from __future__ import annotations

import networkx as nx

from workbench.drawing.export.structure import Cluster, clusters, edge_label
from workbench.topology.kinds import EdgeKind, NodeKind

NODE_ATTRS: dict[str, dict[str, str]] = {
    NodeKind.SERVICE.value: {"shape": "box", "style": "rounded"},
    NodeKind.BROKER.value: {"shape": "hexagon"},
    NodeKind.STORE.value: {"shape": "cylinder"},
    NodeKind.VOLUME.value: {"shape": "folder"},
    NodeKind.SUBJECT.value: {"shape": "cds", "fontsize": "11"},
    NodeKind.EXTERNAL.value: {"shape": "box", "style": "dashed"},
}

EDGE_ATTRS: dict[str, dict[str, str]] = {
    EdgeKind.HTTP.value: {"style": "solid"},
    EdgeKind.EVENT.value: {"style": "dashed", "color": "#1f78b4", "fontcolor": "#1f78b4"},
    EdgeKind.VOLUME.value: {"style": "dotted", "color": "#6a3d9a"},
    EdgeKind.NETNS.value: {"style": "bold", "color": "#b15928", "arrowhead": "odot"},
    EdgeKind.STORE.value: {"style": "solid", "arrowhead": "none", "color": "#636363"},
}

CLUSTER_STYLE = {
    "context": 'style="rounded"; color="#7f7f7f"',
    "group": 'style="rounded,dashed"; color="#b15928"',
    "broker": 'style="rounded,dotted"; color="#1f78b4"',
}


def quote(text: object) -> str:
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in sorted(attrs.items()))


def to_dot(g: nx.MultiDiGraph) -> str:
    """The DOT text of `g` (deterministic: same graph, same text)."""
    name = str(g.graph.get("lab", "topology"))
    title = str(g.graph.get("title", name))
    out = [
        f"digraph {quote(name)} {{",
        f'  graph [fontname="Helvetica", label={quote(title)}, labelloc="t", rankdir="LR"];',
        '  node [fontname="Helvetica", fontsize="12"];',
        '  edge [fontname="Helvetica", fontsize="10"];',
    ]
    top, roots = clusters(g)
    for cluster in roots:
        _cluster(g, cluster, out, "  ")
    for node in top:
        out.append(_node(g, node, "  "))
    for u, v, _key, attrs in sorted(
        g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))
    ):
        kind = str(attrs.get("kind", EdgeKind.HTTP.value))
        extra = dict(EDGE_ATTRS.get(kind, {}))
        label = edge_label(attrs)
        if label:
            extra["label"] = label
        if attrs.get("undeclared"):
            extra.update(
                color="#e7298a",
                fontcolor="#e7298a",
                penwidth="2",
                label=f"undeclared {label}".strip(),
            )
        out.append(f"  {quote(u)} -> {quote(v)} [{_attrs(extra)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def _cluster(g: nx.MultiDiGraph, cluster: Cluster, out: list[str], indent: str) -> None:
    out.append(f"{indent}subgraph {quote('cluster_' + cluster.key)} {{")
    out.append(f"{indent}  label={quote(cluster.label)}; {CLUSTER_STYLE[cluster.kind]};")
    for child in cluster.children:
        _cluster(g, child, out, indent + "  ")
    for node in cluster.nodes:
        out.append(_node(g, node, indent + "  "))
    out.append(f"{indent}}}")


def _node(g: nx.MultiDiGraph, node: str, indent: str) -> str:
    attrs = g.nodes[node]
    extra = dict(NODE_ATTRS.get(str(attrs.get("kind")), {}))
    extra["label"] = str(attrs.get("label", node))
    return f"{indent}{quote(node)} [{_attrs(extra)}];"
