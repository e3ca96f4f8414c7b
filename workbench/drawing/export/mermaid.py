"""Mermaid flowchart text of a topology (renders on GitHub and in most Markdown tools).

Mermaid ids allow letters, digits and `_` only, and some words (`end`, `graph`) break the parser,
so every node gets a prefixed id (`svc_orders`, `store_orders`, `subj_order_created`, ...), made
unique in sorted order; the readable name is the node's text.
"""

from __future__ import annotations

import re

import networkx as nx

from workbench.drawing.export.structure import Cluster, clusters, edge_label
from workbench.topology.kinds import EdgeKind, NodeKind

_PREFIX = {
    NodeKind.SERVICE.value: "svc",
    NodeKind.BROKER.value: "svc",
    NodeKind.STORE.value: "store",
    NodeKind.VOLUME.value: "vol",
    NodeKind.SUBJECT.value: "subj",
    NodeKind.EXTERNAL.value: "ext",
}

_SHAPE = {
    NodeKind.SERVICE.value: ('["', '"]'),
    NodeKind.BROKER.value: ('{{"', '"}}'),
    NodeKind.STORE.value: ('[("', '")]'),
    NodeKind.VOLUME.value: ('[/"', '"/]'),
    NodeKind.SUBJECT.value: ('>"', '"]'),
    NodeKind.EXTERNAL.value: ('(["', '"])'),
}

_ARROW = {
    EdgeKind.HTTP.value: "-->",
    EdgeKind.EVENT.value: "-.->",
    EdgeKind.VOLUME.value: "-.-",
    EdgeKind.NETNS.value: "===",
    EdgeKind.STORE.value: "---",
}

CLASSES = {
    "service": "fill:#e8f1fb,stroke:#2b6cb0,color:#1a202c",
    "broker": "fill:#e6fffa,stroke:#2c7a7b,color:#1a202c",
    "store": "fill:#fefcbf,stroke:#b7791f,color:#1a202c",
    "volume": "fill:#faf5ff,stroke:#6b46c1,color:#1a202c",
    "subject": "fill:#ebf8ff,stroke:#3182ce,color:#1a202c",
    "external": "fill:#fff5f5,stroke:#c53030,color:#1a202c,stroke-dasharray:4 3",
}


def _text(text: object) -> str:
    return str(text).replace('"', "#quot;")


def mermaid_ids(g: nx.MultiDiGraph) -> dict[str, str]:
    ids: dict[str, str] = {}
    used: set[str] = set()
    for node in sorted(g.nodes):
        kind = str(g.nodes[node].get("kind", NodeKind.SERVICE.value))
        bare = node.split(":", 1)[1] if ":" in node else node
        base = f"{_PREFIX.get(kind, 'n')}_{re.sub(r'[^A-Za-z0-9_]', '_', bare)}"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        ids[node] = candidate
    return ids


def to_mermaid(g: nx.MultiDiGraph) -> str:
    """The Mermaid flowchart of `g` (deterministic: same graph, same text)."""
    ids = mermaid_ids(g)
    out = [f"%% {g.graph.get('title', g.graph.get('lab', 'topology'))}", "flowchart LR"]
    top, roots = clusters(g)
    for cluster in roots:
        _cluster(g, ids, cluster, out, "  ")
    for node in top:
        out.append("  " + _node(g, ids, node))
    undeclared: list[int] = []
    edges = sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2])))
    for index, (u, v, _key, attrs) in enumerate(edges):
        kind = str(attrs.get("kind", EdgeKind.HTTP.value))
        arrow = _ARROW.get(kind, "-->")
        label = edge_label(attrs)
        if attrs.get("undeclared"):
            undeclared.append(index)
            label = f"undeclared {label}".strip()
        middle = f'{arrow}|"{_text(label)}"|' if label else arrow
        out.append(f"  {ids[u]} {middle} {ids[v]}")
    for name, style in CLASSES.items():
        out.append(f"  classDef {name} {style}")
    by_class: dict[str, list[str]] = {}
    for node in sorted(g.nodes):
        by_class.setdefault(str(g.nodes[node].get("kind", "service")), []).append(ids[node])
    for name in sorted(by_class):
        if name in CLASSES:
            out.append(f"  class {','.join(by_class[name])} {name}")
    if undeclared:
        out.append(f"  linkStyle {','.join(map(str, undeclared))} stroke:#d53f8c,stroke-width:3px")
    return "\n".join(out) + "\n"


def _cluster(
    g: nx.MultiDiGraph, ids: dict[str, str], cluster: Cluster, out: list[str], indent: str
) -> None:
    out.append(f'{indent}subgraph {cluster.key.replace("-", "_")}["{_text(cluster.label)}"]')
    for child in cluster.children:
        _cluster(g, ids, child, out, indent + "  ")
    for node in cluster.nodes:
        out.append(indent + "  " + _node(g, ids, node))
    out.append(f"{indent}end")


def _node(g: nx.MultiDiGraph, ids: dict[str, str], node: str) -> str:
    attrs = g.nodes[node]
    left, right = _SHAPE.get(str(attrs.get("kind")), ('["', '"]'))
    return f"{ids[node]}{left}{_text(attrs.get('label', node))}{right}"
