"""Clusters shared by every export: bounded contexts, sidecar groups, and the broker with its
subjects; nested as context > sidecar group / broker > nodes. Externals (a browser, a carrier) are
never in a cluster: they are outside the system. Sorted, so exports are stable."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from workbench.topology.kinds import EdgeKind, NodeKind


@dataclass
class Cluster:
    key: str
    """Stable id, e.g. `context_billing`, `group_audit`, `broker_broker`."""
    label: str
    kind: str
    """`context`, `group` (a service and its sidecars: one network namespace) or `broker`."""
    nodes: list[str] = field(default_factory=list)
    children: list[Cluster] = field(default_factory=list)


def clusters(g: nx.MultiDiGraph) -> tuple[list[str], list[Cluster]]:
    """(nodes in no cluster, top-level clusters)."""
    top: list[str] = []
    roots: dict[str, Cluster] = {}
    inner: dict[tuple[str | None, str], Cluster] = {}
    for node in sorted(g.nodes):
        attrs = g.nodes[node]
        if attrs.get("kind") == NodeKind.EXTERNAL.value:
            top.append(node)  # outside the system: never inside a context or a group
            continue
        context = attrs.get("context")
        sub = _inner_key(g, node)
        if sub is not None:
            kind, name = sub
            key = (context, f"{kind}_{name}")
            if key not in inner:
                label = (
                    f"{name} + sidecars" if kind == "group" else f"{name} ({_broker_kind(g, name)})"
                )
                inner[key] = Cluster(f"{kind}_{name}", label, kind)
                if context:
                    _root(roots, context).children.append(inner[key])
                else:
                    roots[f"{kind}_{name}"] = inner[key]
            inner[key].nodes.append(node)
        elif context:
            _root(roots, context).nodes.append(node)
        else:
            top.append(node)
    ordered = [roots[k] for k in sorted(roots)]
    for c in ordered:
        c.children.sort(key=lambda x: x.key)
    return top, ordered


def _root(roots: dict[str, Cluster], context: str) -> Cluster:
    key = f"context_{context}"
    if key not in roots:
        roots[key] = Cluster(key, context, "context")
    return roots[key]


def _inner_key(g: nx.MultiDiGraph, node: str) -> tuple[str, str] | None:
    attrs = g.nodes[node]
    kind = attrs.get("kind")
    if attrs.get("group"):
        return ("group", str(attrs["group"]))
    if kind == NodeKind.BROKER.value and _has_subjects(g, node):
        return ("broker", node)
    if kind == NodeKind.SUBJECT.value and attrs.get("broker") in g:
        return ("broker", str(attrs["broker"]))
    return None


def _has_subjects(g: nx.MultiDiGraph, broker: str) -> bool:
    return any(
        a.get("broker") == broker
        for _n, a in g.nodes(data=True)
        if a.get("kind") == NodeKind.SUBJECT.value
    )


def _broker_kind(g: nx.MultiDiGraph, name: str) -> str:
    return str(g.nodes[name].get("runtime_kind", "broker")).upper() if name in g else "broker"


def edge_label(attrs: dict[str, object]) -> str:
    """The label an export shows on an edge: the declared label, the subject, or the mount."""
    kind = attrs.get("kind")
    if kind == EdgeKind.EVENT.value:
        return str(attrs.get("role", ""))
    if kind == EdgeKind.VOLUME.value:
        mount = attrs.get("mount")
        return (
            f"{mount}{' (ro)' if attrs.get('read_only') else ''}"
            if mount
            else str(attrs.get("label", ""))
        )
    if kind == EdgeKind.STORE.value:
        return ""
    return str(attrs.get("label", ""))
