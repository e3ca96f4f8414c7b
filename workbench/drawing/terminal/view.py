"""What the terminal drawing shows: the topology graph folded into boxes and lines.

The graph keeps every detail; a terminal has 80 columns. So for drawing:
- a store or volume becomes a line inside its service's box (`db orders`, `vol audit-log`),
- a sidecar is stacked under its main service in one box (they share localhost),
- subjects on a broker fold into the broker: publisher ┄▶ broker ┄▶ consumer, labelled with
  the subjects (subjects without a broker stay nodes),
- parallel edges of one kind between two boxes merge, labels joined, counts summed,
- optionally (large designs) every bounded context collapses into one box.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from workbench.topology.kinds import EdgeKind, NodeKind, NodeState


@dataclass
class Member:
    """One node shown in a box: the main service, or a sidecar stacked under it."""

    node: str
    title: str
    details: list[str]
    kind: str
    state: str


@dataclass
class Unit:
    """One box of the drawing."""

    id: str
    members: list[Member]


@dataclass
class ViewEdge:
    source: str
    """Member node ids (not unit ids): the port is on that member's part of its box."""
    target: str
    kind: str
    labels: list[str] = field(default_factory=list)
    calls: int | None = None
    errors: int = 0
    undeclared: bool = False

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass
class View:
    units: list[Unit]
    edges: list[ViewEdge]
    unit_of: dict[str, str]
    """Member node id -> unit id."""
    collapsed: bool = False


def make_view(g: nx.MultiDiGraph, *, collapse_contexts: bool = False) -> View:
    nodes = g.nodes
    brokers = sorted(n for n, a in nodes(data=True) if a.get("kind") == NodeKind.BROKER.value)

    def folded_into(n: str) -> str | None:
        """The node `n` is drawn as part of, or None when it is not drawn on its own."""
        a = nodes[n]
        kind = a.get("kind")
        if kind in (NodeKind.STORE.value, NodeKind.VOLUME.value):
            return None
        if kind == NodeKind.SUBJECT.value:
            broker = a.get("broker")
            if broker in nodes:
                return str(broker)
            return n if not brokers else brokers[0]
        return n

    members: dict[str, Member] = {}
    for n, a in nodes(data=True):
        if folded_into(n) != n:
            continue
        members[n] = Member(
            n,
            str(a.get("label", n)),
            _details(g, n),
            str(a.get("kind")),
            str(a.get("state", NodeState.DECLARED.value)),
        )

    unit_of: dict[str, str] = {}
    units: dict[str, Unit] = {}
    for n in sorted(members):
        main = nodes[n].get("sidecar_of")
        if main and main in members:
            continue
        units[n] = Unit(n, [members[n]])
        unit_of[n] = n
    for n in sorted(members):
        main = nodes[n].get("sidecar_of")
        if main and main in members:
            units[main].members.append(members[n])
            unit_of[n] = main

    merged: dict[tuple[str, str, str], ViewEdge] = {}
    for u, v, a in g.edges(data=True):
        kind = str(a.get("kind", EdgeKind.HTTP.value))
        if kind in (EdgeKind.STORE.value, EdgeKind.VOLUME.value) and (
            folded_into(u) is None or folded_into(v) is None
        ):
            continue
        su, sv = folded_into(u), folded_into(v)
        if su is None or sv is None or su == sv:
            continue
        if kind == EdgeKind.NETNS.value and unit_of.get(su) == unit_of.get(sv):
            continue  # shown by stacking the sidecar under its main service
        label = str(a.get("subject") or a.get("label") or "")
        edge = merged.setdefault((su, sv, kind), ViewEdge(su, sv, kind))
        if label and label not in edge.labels:
            edge.labels.append(label)
        count = a.get("calls", a.get("count"))
        if count is not None:
            edge.calls = (edge.calls or 0) + int(count)
            edge.errors += int(a.get("errors", 0))
        if a.get("declared") is False:
            edge.undeclared = True
    view = View(list(units.values()), [merged[k] for k in sorted(merged)], unit_of)
    return _collapse(view, g) if collapse_contexts else view


def _details(g: nx.MultiDiGraph, n: str) -> list[str]:
    a = g.nodes[n]
    out = []
    if a.get("kind") == NodeKind.BROKER.value:
        out.append(f"{a.get('runtime_kind', 'nats')} broker")
    for _u, v, e in g.out_edges(n, data=True):
        if e.get("kind") == EdgeKind.STORE.value:
            out.append(f"db {g.nodes[v].get('label', v)}")
    vols = []
    for u, v, e in [*g.out_edges(n, data=True), *g.in_edges(n, data=True)]:
        other = v if u == n else u
        if (
            e.get("kind") == EdgeKind.VOLUME.value
            and g.nodes[other].get("kind") == NodeKind.VOLUME.value
        ):
            vols.append(
                f"vol {g.nodes[other].get('label', other)}"
                + (" (ro)" if e.get("read_only") else "")
            )
    out += sorted(set(vols))
    if g.graph.get("design") and a.get("kind") == NodeKind.SERVICE.value and a.get("description"):
        out.append(str(a["description"]))  # a learner's design: what they put in the service
    if a.get("kind") == NodeKind.EXTERNAL.value:
        described = str(a.get("description") or "external")
        out.append(described if a.get("declared") else "not in lab.yaml")
    return out


def _collapse(view: View, g: nx.MultiDiGraph) -> View:
    """One box per bounded context (services without a context keep their own box)."""
    unit_ctx: dict[str, str | None] = {}
    for unit in view.units:
        outside = g.nodes[unit.id].get("kind") == NodeKind.EXTERNAL.value
        unit_ctx[unit.id] = None if outside else g.nodes[unit.id].get("context")
    groups: dict[str, list[Unit]] = {}
    for unit in view.units:
        ctx = unit_ctx[unit.id]
        if ctx:
            groups.setdefault(str(ctx), []).append(unit)
    units: list[Unit] = [u for u in view.units if not unit_ctx[u.id]]
    new_of: dict[str, str] = {}
    for ctx, members in sorted(groups.items()):
        cid = f"context:{ctx}"
        states = {m.state for u in members for m in u.members}
        state = _worst(states)
        n = sum(len(u.members) for u in members)
        units.append(
            Unit(cid, [Member(cid, ctx, [f"{n} service{'s' if n != 1 else ''}"], "context", state)])
        )
        for u in members:
            for m in u.members:
                new_of[m.node] = cid
    for unit in units:
        for m in unit.members:
            new_of.setdefault(m.node, unit.id)
    for member, unit_id in view.unit_of.items():
        if member not in new_of:
            new_of[member] = new_of.get(unit_id, unit_id)

    merged: dict[tuple[str, str, str], ViewEdge] = {}
    links: dict[tuple[str, str, str], int] = {}
    for e in view.edges:
        su, sv = new_of[e.source], new_of[e.target]
        if su == sv:
            continue
        # boxes that did not collapse keep member endpoints (sidecar ports stay right)
        src = e.source if su == view.unit_of.get(e.source) else su
        dst = e.target if sv == view.unit_of.get(e.target) else sv
        key = (src, dst, e.kind)
        agg = merged.setdefault(key, ViewEdge(src, dst, e.kind))
        links[key] = links.get(key, 0) + 1
        if src == e.source and dst == e.target:
            agg.labels = list(e.labels)
        if e.calls is not None:
            agg.calls = (agg.calls or 0) + e.calls
            agg.errors += e.errors
        agg.undeclared = agg.undeclared or e.undeclared
    for key, agg in merged.items():
        if key[0].startswith("context:") or key[1].startswith("context:"):
            n = links[key]
            agg.labels = [f"{n} link{'s' if n != 1 else ''}"]
    unit_of = {m.node: u.id for u in units for m in u.members}
    for member, uid in new_of.items():
        unit_of.setdefault(member, uid)
    units.sort(key=lambda u: u.id)
    return View(units, [merged[k] for k in sorted(merged)], unit_of, collapsed=True)


_SEVERITY = [
    NodeState.CRASHED,
    NodeState.PAUSED,
    NodeState.FAULTED,
    NodeState.STARTING,
    NodeState.STOPPED,
    NodeState.READY,
    NodeState.DECLARED,
]


def _worst(states: set[str]) -> str:
    for s in _SEVERITY:
        if s.value in states:
            return s.value
    return NodeState.DECLARED.value
