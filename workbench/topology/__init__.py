"""The topology of a lab: a networkx graph built from lab.yaml, and analyses over it.

The model only: networkx and the standard library; no I/O, and none of rich, httpx, textual,
docker or diagrams (a test imports it in a fresh interpreter to keep it so). Drawing it (terminal,
DOT, Mermaid, images) is `workbench.drawing`; fetching live states and stats is
`workbench.runtime.observe` (for the application layer and the checks). Public API:

- `build_graph(lab) -> nx.MultiDiGraph` (`build.py`): the declared topology. Node ids are the
  service names for services and the broker, and `store:<owner>`, `volume:<name>`,
  `subject:<subject>` for the rest; node attribute `kind` is one of `NodeKind`, edge attribute
  `kind` one of `EdgeKind`. Events run publisher -> subject node -> consumers.
- `service_graph(g) -> nx.DiGraph` (`analysis.py`): services only, events contracted to
  publisher -> consumer edges; the analyses `sync_cycles`, `fan_in`, `fan_out`,
  `longest_sync_chain`, `group_coupling`, `cross_group_edges`, `instability` work on it or on
  any graph whose edges carry `kind`; for grading a decomposition, `weighted_cut(g, partition,
  weight)`, `modularity(g, partition, weight)`, `suggested_partition(g, weight)` and
  `groups_of(g, partition)`, where a `Partition` is a node attribute's name, a node -> group
  mapping or a list of node sets.
- `design_from_data(data, lab_id=..., title=...)` / `DesignError` (`design.py`): a learner's design
  graph as the lab's `design_graph` function built it, checked and normalised for drawing.
- `apply_overlay(g, statuses, stats) -> nx.MultiDiGraph` (`overlay.py`): a copy of `g` with the
  runtime's states (`StatusLike` values) and the service kits' observed traffic (`Stats` reports)
  merged in, undeclared calls flagged; `undeclared_edges(g)` lists those.
- `NodeState` (`kinds.py`): the states the overlay sets on nodes.
- `synthetic(services, edges, contexts, *, seed)` (`generate.py`): seeded synthetic topologies
  of any size (benchmarks, layout tests).
"""

from __future__ import annotations

from workbench.topology.analysis import (
    Coupling,
    Partition,
    cross_group_edges,
    fan_in,
    fan_out,
    group_coupling,
    groups_of,
    instability,
    longest_sync_chain,
    modularity,
    service_graph,
    suggested_partition,
    sync_cycles,
    weighted_cut,
)
from workbench.topology.build import build_graph
from workbench.topology.design import DesignError, design_from_data
from workbench.topology.generate import synthetic
from workbench.topology.kinds import EdgeKind, NodeKind, NodeState
from workbench.topology.overlay import Stats, StatusLike, apply_overlay, undeclared_edges

__all__ = [
    "Coupling",
    "DesignError",
    "EdgeKind",
    "NodeKind",
    "NodeState",
    "Partition",
    "Stats",
    "StatusLike",
    "apply_overlay",
    "build_graph",
    "cross_group_edges",
    "design_from_data",
    "fan_in",
    "fan_out",
    "group_coupling",
    "groups_of",
    "instability",
    "longest_sync_chain",
    "modularity",
    "service_graph",
    "suggested_partition",
    "sync_cycles",
    "synthetic",
    "undeclared_edges",
    "weighted_cut",
]
