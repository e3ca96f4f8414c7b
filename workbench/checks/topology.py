"""The `observed_topology` fixture's object: the lab's graph with what really happened on it.

Runs inside the checks' pytest process. It is the model `workbench graph --live` draws (the
declared graph of lab.yaml with the live overlay of `workbench.topology.apply_overlay`: states,
calls per caller and peer, events per publisher and consumer), observed through
`workbench.runtime.observe` as the application layer does, so a check and the drawing never
disagree. Counts are the services' own, since each (last) started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.topology import undeclared_edges

if TYPE_CHECKING:
    import networkx as nx


@dataclass(frozen=True)
class ObservedTopology:
    graph: nx.MultiDiGraph
    """Nodes: services (`state`, `served`, `server_errors`), subjects, the broker, `external`
    peers the lab does not declare. Edges: `kind` (http, event, ...), `declared`, `undeclared`,
    and the traffic (`calls`, `errors` on http edges, `count` on event edges)."""
    statuses: Sequence[Any]
    """What the runtime said of each service (`service`, `state`, `faults`)."""

    def undeclared_edges(self) -> list[tuple[str, str, str]]:
        """(from, to, kind) of every call or event the services made that lab.yaml does not
        declare: undeclared coupling. A subject's node is `subject:<name>`."""
        return undeclared_edges(self.graph)

    def calls(self, caller: str, peer: str) -> int:
        """HTTP calls `caller` made to `peer` (declared or not)."""
        if not self.graph.has_edge(caller, peer):
            return 0
        return sum(
            int(a.get("calls", 0))
            for a in self.graph[caller][peer].values()
            if a.get("kind") == "http"
        )
