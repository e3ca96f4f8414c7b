"""The live topology use case (CLI `graph --live`, the TUI widget): the lab's declared graph kept
up to date from its running deployment.

`LiveTopology.refresh` asks the runtime for service states, fetches the stats of the services
that can answer, and hands both to the pure `workbench.topology.apply_overlay`; that observation
is `workbench.runtime.observe`, shared with the checks' `observed_topology` fixture so both see
the same model. The runtime is passed in (anything with `status(deployment)`); `current()` finds
the lab's run and its runtime itself, for front ends that only know the lab.

Public API: `LiveTopology(lab, *, timeout=0.5)` with `.declared`, `.current() -> LiveView`,
`.refresh(deployment, runtime) -> nx.MultiDiGraph`, `.snapshot(deployment, runtime) -> (statuses,
graph)` and `.close()` (also a context manager); `fetch_stats(deployment, services=None, *,
client=None, timeout=1.0) -> {service: stats or None}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx

from workbench.errors import WorkbenchError
from workbench.runtime.observe import StatusSource, fetch_stats, observe
from workbench.topology import build_graph, undeclared_edges

if TYPE_CHECKING:
    import httpx

    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment

__all__ = ["LiveTopology", "LiveView", "StatusSource", "declared_graph", "fetch_stats"]


@dataclass(frozen=True)
class LiveView:
    """What `LiveTopology.current` found: the graph to draw, and the run it came from or why
    there is none (the lab is not running, its runtime does not answer)."""

    graph: nx.MultiDiGraph
    deployment: Deployment | None = None
    problem: WorkbenchError | None = None

    @property
    def undeclared(self) -> list[tuple[str, str, str]]:
        """Calls the services really made that lab.yaml does not declare: (from, to, kind)."""
        return undeclared_edges(self.graph)


def declared_graph(lab: Lab) -> nx.MultiDiGraph:
    """The lab's topology as lab.yaml declares it: what is drawn before anything runs."""
    return build_graph(lab)


class LiveTopology:
    """The declared topology of `lab`, plus `refresh()` for the live one."""

    def __init__(self, lab: Lab, *, timeout: float = 0.5) -> None:
        self.lab = lab
        self.declared = build_graph(lab)
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def current(self) -> LiveView:
        """The live graph of the lab's newest run, or the declared one saying why not."""
        from workbench.runtime.runs import find_run
        from workbench.runtime.select import runtime_for

        if not self.lab.runs_services:
            return LiveView(self.declared)
        try:
            deployment = find_run(self.lab.id)
            return LiveView(self.refresh(deployment, runtime_for(deployment)), deployment)
        except WorkbenchError as exc:
            return LiveView(self.declared, None, exc)

    def refresh(self, deployment: Deployment, runtime: StatusSource) -> nx.MultiDiGraph:
        """States from `runtime.status`, traffic from every answering service's stats."""
        return self.snapshot(deployment, runtime)[1]

    def snapshot(
        self, deployment: Deployment, runtime: StatusSource
    ) -> tuple[list[Any], nx.MultiDiGraph]:
        """The statuses the runtime gave and the live graph made from them (one status call)."""
        return observe(
            self.declared, deployment, runtime, client=self._http(), timeout=self.timeout
        )

    def _http(self) -> httpx.Client:
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=self.timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> LiveTopology:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
