"""The live overlay: what the runtime and the service kits say, merged onto the declared graph.

`apply_overlay` is pure: graph + statuses + stats in, annotated copy out. Getting them (the
runtime's status, each service kit's `GET /_admin/stats`) is the application layer's job
(`workbench.app.live`); here they are plain values.

What it sets:
- node `state`: a `NodeState` value (ready, starting, faulted = ready with faults, paused, crashed,
  stopped; `declared` when the runtime said nothing), node `faults`, `served` and `server_errors`;
- http edges: `calls`, `errors`, `statuses` per caller -> peer (on the first declared http edge of
  the pair); event edges: `count` published (publisher -> subject) and consumed
  (subject -> consumer);
- traffic the lab does not declare becomes new edges with `declared=False, undeclared=True`
  (and an `external` node for a peer the lab does not know): undeclared coupling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import networkx as nx

from workbench.topology.kinds import EdgeKind, NodeKind, NodeState, subject_id

Stats = Mapping[str, Any]
"""One service kit's stats report (`served`, `calls`, `published`, `consumed`), as JSON."""


class StatusLike(Protocol):
    """What the overlay reads from a runtime's `ServiceStatus`."""

    @property
    def service(self) -> str: ...
    @property
    def state(self) -> Any: ...
    @property
    def faults(self) -> tuple[str, ...]: ...


def node_state(state: object, faults: Iterable[str] = ()) -> str:
    value = str(getattr(state, "value", state))
    if value == NodeState.READY.value and tuple(faults):
        return NodeState.FAULTED.value
    known = {s.value for s in NodeState}
    return value if value in known else NodeState.DECLARED.value


def apply_overlay(
    g: nx.MultiDiGraph,
    statuses: Iterable[StatusLike] | None = None,
    stats: Mapping[str, Stats | None] | None = None,
) -> nx.MultiDiGraph:
    """A copy of `g` with live states and observed traffic (see the module docstring)."""
    out = g.copy()
    for status in statuses or ():
        if status.service in out:
            out.nodes[status.service]["state"] = node_state(status.state, status.faults)
            out.nodes[status.service]["faults"] = list(status.faults)
    for service in sorted(stats or {}):
        report = (stats or {})[service]
        if service not in out:
            continue
        if report is None:
            out.nodes[service]["stats_error"] = True
            continue
        _merge_served(out, service, report)
        _merge_calls(out, service, report.get("calls") or {})
        _merge_events(out, service, report.get("published") or {}, publish=True)
        _merge_events(out, service, report.get("consumed") or {}, publish=False)
    return out


def _merge_served(g: nx.MultiDiGraph, service: str, report: Stats) -> None:
    served = errors = 0
    for statuses in (report.get("served") or {}).values():
        for status, count in statuses.items():
            served += int(count)
            if str(status).startswith("5"):
                errors += int(count)
    g.nodes[service]["served"] = served
    g.nodes[service]["server_errors"] = errors


def _edge_key(g: nx.MultiDiGraph, u: str, v: str, kind: str) -> Any:
    if not g.has_edge(u, v):
        return None
    keys = sorted(k for k, a in g[u][v].items() if a.get("kind") == kind and a.get("declared"))
    return keys[0] if keys else None


def _declared_pair(g: nx.MultiDiGraph, u: str, v: str) -> bool:
    """A sidecar talking to its main service over localhost is the declared netns coupling."""
    for a, b in ((u, v), (v, u)):
        if g.has_edge(a, b) and any(
            e.get("kind") == EdgeKind.NETNS.value for e in g[a][b].values()
        ):
            return True
    return False


def _merge_calls(g: nx.MultiDiGraph, caller: str, calls: Mapping[str, Any]) -> None:
    # declared http edges of a caller whose stats we have start at zero calls
    for _u, _v, a in list(g.out_edges(caller, data=True)):
        if a.get("kind") == EdgeKind.HTTP.value:
            a.setdefault("calls", 0)
            a.setdefault("errors", 0)
    for peer in sorted(calls):
        info = calls[peer] or {}
        data = {
            "calls": int(info.get("count", 0)),
            "errors": int(info.get("errors", 0)),
            "statuses": {str(k): int(v) for k, v in (info.get("statuses") or {}).items()},
        }
        if peer not in g:
            g.add_node(
                peer,
                kind=NodeKind.EXTERNAL.value,
                label=peer,
                context=None,
                group=None,
                declared=False,
            )
        key = _edge_key(g, caller, peer, EdgeKind.HTTP.value)
        if key is not None:
            g[caller][peer][key].update(data)
            continue
        declared = _declared_pair(g, caller, peer)
        g.add_edge(
            caller,
            peer,
            key="http:observed",
            kind=EdgeKind.HTTP.value,
            label="",
            declared=declared,
            undeclared=not declared,
            **data,
        )


def _merge_events(
    g: nx.MultiDiGraph, service: str, counts: Mapping[str, Any], *, publish: bool
) -> None:
    for subject in sorted(counts):
        sid = subject_id(subject)
        if sid not in g:
            broker = next(
                (n for n, a in g.nodes(data=True) if a.get("kind") == NodeKind.BROKER.value), None
            )
            g.add_node(
                sid,
                kind=NodeKind.SUBJECT.value,
                label=subject,
                broker=broker,
                context=None,
                group=None,
            )
        u, v = (service, sid) if publish else (sid, service)
        key = _edge_key(g, u, v, EdgeKind.EVENT.value)
        if key is not None:
            g[u][v][key]["count"] = int(counts[subject])
            continue
        g.add_edge(
            u,
            v,
            key="event:observed",
            kind=EdgeKind.EVENT.value,
            subject=subject,
            role="publish" if publish else "consume",
            label="",
            declared=False,
            undeclared=True,
            count=int(counts[subject]),
        )


def undeclared_edges(g: nx.MultiDiGraph) -> list[tuple[str, str, str]]:
    """(source, target, kind) of every edge the overlay flagged as undeclared coupling."""
    return sorted(
        (u, v, str(a.get("kind"))) for u, v, a in g.edges(data=True) if a.get("undeclared")
    )
