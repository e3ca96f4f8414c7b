"""Synthetic topologies of any size (benchmarks, layout tests, big-design demos): seeded, so the
same arguments always give the same graph."""

from __future__ import annotations

import random

import networkx as nx

from workbench.topology.kinds import EdgeKind, NodeKind


def synthetic(
    services: int = 200,
    edges: int = 400,
    contexts: int = 12,
    *,
    seed: int = 7,
    tiers: int = 6,
    event_share: float = 0.3,
    back_share: float = 0.03,
) -> nx.MultiDiGraph:
    """`services` nodes in `contexts` bounded contexts and `edges` calls between them.

    Shaped like a real system rather than a random one: services sit in `tiers` (edge, BFFs,
    domain, core, ...), calls go mostly one or two tiers down and often stay inside a context,
    and a few (`back_share`) go back up, closing cycles as real designs do. `event_share` of the
    edges are events.
    """
    rng = random.Random(seed)
    g = nx.MultiDiGraph(lab="synthetic", title=f"synthetic {services}/{edges}")
    names = [f"svc-{i:03d}" for i in range(services)]
    tier = {name: min(tiers - 1, i * tiers // services) for i, name in enumerate(names)}
    context = {name: f"ctx-{rng.randrange(contexts):02d}" if contexts else None for name in names}
    by_tier: dict[int, list[str]] = {}
    for name in names:
        by_tier.setdefault(tier[name], []).append(name)
        g.add_node(
            name,
            kind=NodeKind.SERVICE.value,
            label=name,
            context=context[name],
            group=None,
            sidecar_of=None,
        )
    seen: set[tuple[str, str]] = set()
    callers = [n for n in names if tier[n] < tiers - 1]
    limit = min(edges, len(callers) * (services - 1))
    while len(seen) < limit:
        u = rng.choice(callers)  # the bottom tier (stores, infrastructure) calls nobody
        if rng.random() < back_share:
            v = rng.choice(names)
        else:
            down = min(tiers - 1, tier[u] + (1 if rng.random() < 0.7 else 2))
            pool = by_tier.get(down) or names
            same = [n for n in pool if context[n] == context[u]]
            v = rng.choice(same if same and rng.random() < 0.5 else pool)
        if u == v or (u, v) in seen:
            continue
        seen.add((u, v))
        kind = EdgeKind.EVENT if rng.random() < event_share else EdgeKind.HTTP
        g.add_edge(u, v, key=kind.value, kind=kind.value, label="", declared=True)
    return g
