"""A learner's design as a topology graph: what a lab's `design_graph` function builds, checked.

A lab may declare `design_graph: <module>:<function>` in lab.yaml: a function of the lab author's
that reads the learner's workspace files (a partition, a list of calls) and returns a networkx
graph in this package's vocabulary: node attribute `kind` one of `NodeKind` (default `service`),
`label`, `context` (a group, e.g. the service a capability is placed in), `description`; edge
attribute `kind` one of `EdgeKind` (default `http`), `label`, and any numbers the analyses
weigh. When the learner's file cannot be read, the function raises `DesignError` with a sentence
for the learner ("design.yaml line 4: ..."), shown in place of the drawing.

The function runs in a child process (`workbench.app.design`); its graph comes back as JSON
(networkx's node-link data) and `design_from_data` turns it into the `MultiDiGraph` the drawings
take, refusing kinds they do not know.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from workbench.topology.kinds import EdgeKind, NodeKind

MAX_DESIGN_NODES = 2000
"""A design is drawn by hand-sized tools: more nodes than this is a mistake, not a design."""

NODE_KINDS = frozenset(k.value for k in NodeKind)
EDGE_KINDS = frozenset(k.value for k in EdgeKind)


class DesignError(AssertionError):
    """The learner's design files cannot be turned into a graph; the message says why, for the
    learner (name the file and, when known, the line).

    An AssertionError, so that in a check it is what it is: a verdict on the learner's files
    (the check fails with this sentence), not a check that could not finish."""


def design_from_data(data: object, *, lab_id: str, title: str) -> nx.MultiDiGraph:
    """The drawable design graph from networkx node-link data (`edges` key), or DesignError."""
    if not isinstance(data, dict):
        raise DesignError("the design graph came back in a shape the workbench cannot read")
    try:
        raw = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    except (KeyError, TypeError, ValueError, nx.NetworkXError) as exc:
        raise DesignError(f"the design graph could not be read back: {exc}") from None
    return normalise(raw, lab_id=lab_id, title=title)


def normalise(g: nx.Graph, *, lab_id: str, title: str) -> nx.MultiDiGraph:
    """A MultiDiGraph with string node ids, known kinds and the attributes the drawings read."""
    if g.number_of_nodes() > MAX_DESIGN_NODES:
        raise DesignError(
            f"the design has {g.number_of_nodes():,} nodes; a design drawn here has at most "
            f"{MAX_DESIGN_NODES:,}"
        )
    out = nx.MultiDiGraph(lab=lab_id, title=title, design=True)
    for node, attrs in sorted(g.nodes(data=True), key=lambda item: str(item[0])):
        kind = str(attrs.get("kind") or NodeKind.SERVICE.value)
        if kind not in NODE_KINDS:
            raise DesignError(
                f"node {node!r} of the design has kind {kind!r}; kinds: "
                f"{', '.join(sorted(NODE_KINDS))}"
            )
        out.add_node(
            str(node),
            **{
                **_plain(attrs),
                "kind": kind,
                "label": str(attrs.get("label") or node),
                "context": None if attrs.get("context") is None else str(attrs["context"]),
                "group": None,
                "declared": True,
            },
        )
    edges = g.edges(keys=True, data=True) if g.is_multigraph() else g.edges(data=True)
    for index, edge in enumerate(edges):
        u, v, attrs = edge[0], edge[1], edge[-1]
        kind = str(attrs.get("kind") or EdgeKind.HTTP.value)
        if kind not in EDGE_KINDS:
            raise DesignError(
                f"edge {u!r} -> {v!r} of the design has kind {kind!r}; kinds: "
                f"{', '.join(sorted(EDGE_KINDS))}"
            )
        label = str(attrs.get("label") or "")
        out.add_edge(
            str(u),
            str(v),
            key=f"{kind}:{label or index}",
            **{**_plain(attrs), "kind": kind, "label": label, "declared": True},
        )
    return out


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes the drawings and exports can show (JSON values), others left out."""
    return {
        str(k): v
        for k, v in attrs.items()
        if k != "key" and (isinstance(v, str | int | float | bool) or v is None)
    }
