"""A lab's topology kept up to date from its running deployment (CLI `graph --live`, TUI widget).

The declared graph is built once; each `refresh` asks the runtime for service states and the
service kits for their stats, then overlays them. The runtime is passed in (anything with
`status(deployment)`), so this module stays free of runtime adapters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import networkx as nx

from workbench.topology.build import build_graph
from workbench.topology.overlay import StatusLike, apply_overlay, fetch_stats

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment

_SILENT_STATES = {"paused", "crashed", "stopped"}
"""Services in these states do not answer: asking them would only cost a timeout."""


class StatusSource(Protocol):
    def status(self, deployment: Deployment) -> Sequence[Any]: ...


class LiveTopology:
    """The declared topology of `lab`, plus `refresh()` for the live one."""

    def __init__(self, lab: Lab, *, timeout: float = 0.5) -> None:
        self.lab = lab
        self.declared = build_graph(lab)
        self.timeout = timeout
        self._client: httpx.Client | None = None

    def refresh(self, deployment: Deployment, runtime: StatusSource) -> nx.MultiDiGraph:
        """States from `runtime.status`, traffic from every answering service's stats."""
        statuses: list[StatusLike] = list(runtime.status(deployment))
        silent = {
            s.service for s in statuses if str(getattr(s.state, "value", s.state)) in _SILENT_STATES
        }
        wanted = [name for name in deployment.endpoints if name not in silent]
        stats = fetch_stats(deployment, wanted, client=self._http(), timeout=self.timeout)
        return apply_overlay(self.declared, statuses, stats)

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
