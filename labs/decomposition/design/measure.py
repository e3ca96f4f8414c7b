"""What a cut costs, measured on the material (networkx and the workbench's analyses only).

- `entity_graph`: entities joined by how often the use cases touch them together: 10 for every
  use case that writes both (they share a transaction), 3 for every one that reads them together
  (a query that would become a join across services).
- `baseline`: the Girvan-Newman level with the best modularity: what a cut that follows only
  the coupling achieves. `checks/baseline.json` keeps it; the lab's unit test recomputes it.
- `call_graph`: the learner's services and who calls whom: a use case placed in S that reads an
  entity T owns is a synchronous (http) edge S -> T, unless S keeps a replica of that entity
  (`replicated:`), fed by T's events: then it is an event edge T -> S.
- `read_graph`: the same reads one level down (use cases and entities, `context` = service), for
  `group_coupling` and `instability` per service in failure messages.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from itertools import combinations
from typing import Any

import networkx as nx

from design.model import Cut, Material

WRITE_TOGETHER = 10
READ_TOGETHER = 3


def entity_graph(material: Material) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(sorted(material.entities))
    for uc in material.use_cases.values():
        for a, b in combinations(sorted(uc.touches), 2):
            weight = WRITE_TOGETHER if a in uc.writes and b in uc.writes else READ_TOGETHER
            if g.has_edge(a, b):
                g.edges[a, b]["weight"] += weight
            else:
                g.add_edge(a, b, weight=weight)
    return g


def baseline(material: Material) -> dict[str, Any]:
    """The best-modularity level of Girvan-Newman on the entity graph, with its figures."""
    from workbench.topology import modularity, weighted_cut

    g = entity_graph(material)
    best: list[set[Hashable]] | None = None
    best_q = -1.0
    # networkx's default: remove the edge of most (unweighted) betweenness, level by level; the
    # levels are judged by weighted modularity.
    for level in nx.community.girvan_newman(g.copy()):
        parts = [set(p) for p in level]
        q = modularity(g, parts)
        if q > best_q + 1e-12:
            best, best_q = parts, q
    assert best is not None
    groups = sorted((sorted(map(str, p)) for p in best), key=lambda p: p[0])
    return {
        "method": "networkx girvan_newman; the level of best weighted modularity",
        "groups": groups,
        "services": len(groups),
        "cross_weight": weighted_cut(g, best),
        "modularity": round(best_q, 6),
        "total_weight": g.size(weight="weight"),
    }


def sync_reads(material: Material, cut: Cut) -> list[tuple[str, str, str, str]]:
    """(use case, its service, entity read, the entity's service) for every read that crosses
    a boundary without a replica: a synchronous call at run time."""
    owner = cut.owner()
    out = []
    for service in cut.services.values():
        for uc_id in service.use_cases:
            for entity in material.use_cases[uc_id].reads:
                target = owner.get(entity)
                if target and target != service.name and entity not in service.replicated:
                    out.append((uc_id, service.name, entity, target))
    return sorted(out)


def replicas(cut: Cut) -> list[tuple[str, str, str]]:
    """(entity, its owner, the service keeping a replica)."""
    owner = cut.owner()
    return sorted(
        (entity, owner[entity], service.name)
        for service in cut.services.values()
        for entity in service.replicated
        if entity in owner and owner[entity] != service.name
    )


def call_graph(material: Material, cut: Cut) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for name in sorted(cut.services):
        g.add_node(name, kind="service", context=name)
    calls: dict[tuple[str, str], list[str]] = {}
    for uc_id, source, entity, target in sync_reads(material, cut):
        calls.setdefault((source, target), []).append(f"{uc_id} reads {entity}")
    for (source, target), reads in sorted(calls.items()):
        g.add_edge(source, target, kind="http", label=f"{len(reads)} reads", reads=reads)
    feeds: dict[tuple[str, str], list[str]] = {}
    for entity, source, target in replicas(cut):
        feeds.setdefault((source, target), []).append(entity)
    for (source, target), entities in sorted(feeds.items()):
        g.add_edge(source, target, kind="event", label=", ".join(entities))
    return g


def read_graph(material: Material, cut: Cut) -> nx.MultiDiGraph:
    """Use cases and entities, each in its service's group; an edge per synchronous read."""
    g = nx.MultiDiGraph()
    owner = cut.owner()
    for entity, service in owner.items():
        g.add_node(entity, context=service)
    for uc_id, source, entity, target in sync_reads(material, cut):
        g.add_node(f"use case {uc_id}", context=source)
        g.nodes[entity]["context"] = target
        g.add_edge(f"use case {uc_id}", entity, kind="http")
    return g


def partition(cut: Cut) -> list[set[str]]:
    return [set(s.entities) for s in cut.services.values() if s.entities]


def write_sets(material: Material, cut: Cut) -> dict[str, list[str]]:
    """use case -> the services whose entities it writes (only those writing more than one)."""
    owner = cut.owner()
    out = {}
    for uc in material.use_cases.values():
        services = sorted({owner[e] for e in uc.writes if e in owner})
        if len(services) > 1:
            out[uc.id] = services
    return out


def figures(material: Material, cut: Cut) -> dict[str, Any]:
    """The numbers the theory page quotes: services, cross weight, modularity, longest chain."""
    from workbench.topology import longest_sync_chain, modularity, sync_cycles, weighted_cut

    g = entity_graph(material)
    calls = call_graph(material, cut)
    return {
        "services": len(cut.services),
        "cross_weight": weighted_cut(g, partition(cut)),
        "modularity": round(modularity(g, partition(cut)), 3),
        "longest_sync_chain": len(longest_sync_chain(calls)),
        "sync_cycles": len(sync_cycles(calls)),
        "sync_reads": len(sync_reads(material, cut)),
        "sagas_needed": len(write_sets(material, cut)),
    }


def described(pairs: Iterable[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in pairs)
