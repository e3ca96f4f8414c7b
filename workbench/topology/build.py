"""Lab -> networkx MultiDiGraph: the topology the lab declares.

Modelling choices (the exporters, the renderer and the overlay rely on them):
- Services and the broker are nodes named after the service; the broker has kind `broker`.
- A service's `store:` becomes a node `store:<owner>` with an edge owner -> store (kind `store`).
- Volumes are nodes `volume:<name>`: a writable mount is an edge service -> volume, a read-only
  mount volume -> service (the way data flows). A `protocol: volume` link whose label names a
  volume is drawn through that volume node.
- Events are modelled with the subject as a node: publisher -> `subject:<s>` -> consumer (edge
  kind `event`, attribute `role` publish/consume). The stats a service kit reports are per subject
  (published/consumed counts), so observed traffic lands on exactly these edges; a subject may
  have many publishers and many consumers without the graph pretending they know each other.
- A sidecar gets a `netns` edge sidecar -> main (declared or not); main and sidecars carry the
  node attribute `group` (the main service's name), and `g.graph["sidecar_groups"]` maps each main
  service to its sorted sidecars.
- An external (`externals:`: a browser, a carrier) is a node of kind `external` named after it,
  with `declared=True`, its `description`, and no context or group; links reach it like a service.
- Every declared edge has `declared=True`; the live overlay adds `declared=False` edges for
  traffic the lab did not declare. Edge keys are stable strings, nodes and edges are inserted in
  sorted order, so the same lab always gives the same graph (and the same exports).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from workbench.lab.model import Lab, Protocol, ServiceKind
from workbench.topology.kinds import EdgeKind, NodeKind, store_id, subject_id, volume_id


def build_graph(lab: Lab) -> nx.MultiDiGraph:
    """The declared topology of `lab` (see the module docstring for the model)."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}

    def edge(u: str, v: str, kind: EdgeKind, label: str = "", **attrs: Any) -> None:
        key = f"{kind.value}:{label}" if label else kind.value
        edges.setdefault(
            (u, v, key), {"kind": kind.value, "label": label, "declared": True, **attrs}
        )

    broker = lab.broker
    groups: dict[str, list[str]] = {}
    for svc in lab.services:
        if svc.sidecar_of:
            groups.setdefault(svc.sidecar_of, []).append(svc.name)

    for svc in lab.services:
        is_broker = svc.kind is ServiceKind.NATS
        group = svc.sidecar_of or (svc.name if svc.name in groups else None)
        nodes[svc.name] = {
            "kind": (NodeKind.BROKER if is_broker else NodeKind.SERVICE).value,
            "label": svc.name,
            "runtime_kind": svc.kind.value,
            "description": svc.description.strip(),
            "context": svc.context,
            "store": svc.store,
            "sidecar_of": svc.sidecar_of,
            "group": group,
        }
        if svc.store:
            sid = store_id(svc.name)
            nodes[sid] = {
                "kind": NodeKind.STORE.value,
                "label": svc.store,
                "owner": svc.name,
                "context": svc.context,
                "group": None,
            }
            edge(svc.name, sid, EdgeKind.STORE)
        for mount in svc.volumes:
            vid = volume_id(mount.name)
            nodes.setdefault(
                vid,
                {
                    "kind": NodeKind.VOLUME.value,
                    "label": mount.name,
                    "context": None,
                    "group": None,
                },
            )
            if mount.read_only:
                edge(vid, svc.name, EdgeKind.VOLUME, mount=mount.mount, read_only=True)
            else:
                edge(svc.name, vid, EdgeKind.VOLUME, mount=mount.mount, read_only=False)
        if svc.sidecar_of:
            edge(svc.name, svc.sidecar_of, EdgeKind.NETNS, "localhost")

    for ext in lab.externals:
        # Outside every context and group: drawn beside the system, never inside a cluster.
        nodes[ext.name] = {
            "kind": NodeKind.EXTERNAL.value,
            "label": ext.name,
            "description": ext.description.strip(),
            "context": None,
            "group": None,
            "declared": True,
        }

    for link in lab.links:
        src, dst, label = link.source, link.target, link.label
        if link.protocol is Protocol.HTTP:
            edge(src, dst, EdgeKind.HTTP, label)
        elif link.protocol is Protocol.EVENT:
            subject = label or f"{src}.events"
            sid = subject_id(subject)
            nodes.setdefault(
                sid,
                {
                    "kind": NodeKind.SUBJECT.value,
                    "label": subject,
                    "broker": broker.name if broker else None,
                    "context": None,
                    "group": None,
                },
            )
            edge(src, sid, EdgeKind.EVENT, subject=subject, role="publish")
            edge(sid, dst, EdgeKind.EVENT, subject=subject, role="consume")
        elif link.protocol is Protocol.NETNS:
            if not any(u == src and v == dst and k.startswith("netns") for u, v, k in edges):
                edge(src, dst, EdgeKind.NETNS, label or "localhost")
        elif label and volume_id(label) in nodes:  # volume: through the named volume
            vid = volume_id(label)
            if not any(u == src and v == vid for u, v, _k in edges):
                edge(src, vid, EdgeKind.VOLUME)
            if not any(u == vid and v == dst for u, v, _k in edges):
                edge(vid, dst, EdgeKind.VOLUME)
        else:
            edge(src, dst, EdgeKind.VOLUME, label)

    _place_volumes(nodes, edges)
    g = nx.MultiDiGraph(
        lab=lab.id,
        title=lab.title,
        sidecar_groups={k: sorted(v) for k, v in sorted(groups.items())},
    )
    for node_id in sorted(nodes):
        g.add_node(node_id, **nodes[node_id])
    for u, v, key in sorted(edges):
        g.add_edge(u, v, key=key, **edges[(u, v, key)])
    return g


def _place_volumes(
    nodes: dict[str, dict[str, Any]], edges: dict[tuple[str, str, str], dict[str, Any]]
) -> None:
    """A volume used by one sidecar group (or one context) belongs to it, for clustering."""
    for vid, attrs in nodes.items():
        if attrs["kind"] != NodeKind.VOLUME.value:
            continue
        users = {u if v == vid else v for u, v, _k in edges if vid in (u, v)}
        groups = {nodes[s].get("group") or s for s in users if s in nodes}
        contexts = {nodes[s].get("context") for s in users if s in nodes}
        if len(groups) == 1 and all(nodes[s].get("group") for s in users if s in nodes):
            attrs["group"] = groups.pop()
        if len(contexts) == 1:
            attrs["context"] = contexts.pop()
