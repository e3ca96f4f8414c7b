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
  `longest_sync_chain`, `group_coupling`, `cross_group_edges` work on it or on any graph whose
  edges carry `kind`.
- `apply_overlay(g, statuses, stats) -> nx.MultiDiGraph` (`overlay.py`): a copy of `g` with the
  runtime's states (`StatusLike` values) and the service kits' observed traffic (`Stats` reports)
  merged in, undeclared calls flagged; `undeclared_edges(g)` lists those.
- `NodeState` (`kinds.py`): the states the overlay sets on nodes.
- `synthetic(services, edges, contexts, *, seed)` (`generate.py`): seeded synthetic topologies
  of any size (benchmarks, layout tests).
"""

from __future__ import annotations

from workbench.topology.analysis import (
    cross_group_edges,
    fan_in,
    fan_out,
    group_coupling,
    longest_sync_chain,
    service_graph,
    sync_cycles,
)
from workbench.topology.build import build_graph
from workbench.topology.generate import synthetic
from workbench.topology.kinds import EdgeKind, NodeKind, NodeState
from workbench.topology.overlay import Stats, StatusLike, apply_overlay, undeclared_edges

__all__ = [
    "EdgeKind",
    "NodeKind",
    "NodeState",
    "Stats",
    "StatusLike",
    "apply_overlay",
    "build_graph",
    "cross_group_edges",
    "fan_in",
    "fan_out",
    "group_coupling",
    "longest_sync_chain",
    "service_graph",
    "sync_cycles",
    "synthetic",
    "undeclared_edges",
]
