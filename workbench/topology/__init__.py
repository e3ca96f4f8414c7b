"""The topology of a lab: a networkx graph built from lab.yaml, analyses over it, and a drawing.

Pure domain code: networkx (and rich for the drawing's colours) only; no textual, docker or
diagrams imports. Public API:

- `build_graph(lab) -> nx.MultiDiGraph` (`build.py`): the declared topology. Node ids are the
  service names for services and the broker, and `store:<owner>`, `volume:<name>`,
  `subject:<subject>` for the rest; node attribute `kind` is one of `NodeKind`, edge attribute
  `kind` one of `EdgeKind`. Events run publisher -> subject node -> consumers.
- `service_graph(g) -> nx.DiGraph` (`analysis.py`): services only, events contracted to
  publisher -> consumer edges; the analyses `sync_cycles`, `fan_in`, `fan_out`,
  `longest_sync_chain`, `group_coupling`, `cross_group_edges` work on it or on any graph whose
  edges carry `kind`.
- `apply_overlay(g, statuses, stats) -> nx.MultiDiGraph` (`overlay.py`): states and observed
  traffic merged in, undeclared calls flagged; `fetch_stats(deployment)` reads the stats.
- `LiveTopology` (`live.py`): the declared graph plus a refresh that fetches status and stats.
- `render(g, width=80) -> Drawing` (`render.py`): plain text lines, a rich renderable, and the
  box of every node (for mouse selection in the TUI).
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
from workbench.topology.kinds import EdgeKind, NodeKind, NodeState
from workbench.topology.overlay import apply_overlay, fetch_stats
from workbench.topology.render import Drawing, render

__all__ = [
    "Drawing",
    "EdgeKind",
    "NodeKind",
    "NodeState",
    "apply_overlay",
    "build_graph",
    "cross_group_edges",
    "fan_in",
    "fan_out",
    "fetch_stats",
    "group_coupling",
    "longest_sync_chain",
    "render",
    "service_graph",
    "sync_cycles",
]
