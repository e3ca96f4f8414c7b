"""What a running lab really does: each service kit's stats, and the live graph made of them.

Shared by the application layer (`workbench.app.live`: `graph --live`, the TUI) and the checks'
process (`workbench.checks.topology`, `workbench.checks.stats`), which may not import the
application layer: both must see the same model. The network part is here (`fetch_stats` asks
each kit for `GET /_admin/stats`); the merge is the pure `workbench.topology.apply_overlay`.

Public API: `fetch_stats(deployment, services=None, *, client=None, timeout=1.0) -> {service:
stats or None}`; `observe(declared, deployment, runtime, *, client=None, timeout=0.5) ->
(statuses, graph)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from workbench.topology import Stats, StatusLike, apply_overlay

if TYPE_CHECKING:
    import httpx
    import networkx as nx

    from workbench.runtime.base import Deployment

_SILENT_STATES = {"paused", "crashed", "stopped"}
"""Services in these states do not answer: asking them would only cost a timeout."""


class StatusSource(Protocol):
    def status(self, deployment: Deployment) -> Sequence[Any]: ...


def observe(
    declared: nx.MultiDiGraph,
    deployment: Deployment,
    runtime: StatusSource,
    *,
    client: httpx.Client | None = None,
    timeout: float = 0.5,
) -> tuple[list[Any], nx.MultiDiGraph]:
    """The statuses the runtime gave (one status call) and the declared graph with the live
    overlay: states, and the traffic of every service that answered its stats in time."""
    statuses: list[StatusLike] = list(runtime.status(deployment))
    silent = {
        s.service for s in statuses if str(getattr(s.state, "value", s.state)) in _SILENT_STATES
    }
    wanted = [name for name in deployment.endpoints if name not in silent]
    stats = fetch_stats(deployment, wanted, client=client, timeout=timeout)
    return statuses, apply_overlay(declared, statuses, stats)


def fetch_stats(
    deployment: Deployment,
    services: Iterable[str] | None = None,
    *,
    client: httpx.Client | None = None,
    timeout: float = 1.0,
) -> dict[str, Stats | None]:
    """Each service kit's `/_admin/stats` (None for a service that did not answer in time).

    Requests run in parallel so one paused service costs one timeout, not one per service; pass
    a long-lived `client` when polling (keep-alive: a 1 Hz refresh then costs next to nothing).
    """
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    wanted = [
        name
        for name, ep in sorted(deployment.endpoints.items())
        if ep.kind != "nats" and (services is None or name in set(services))
    ]
    if not wanted:
        return {}
    own = client is None
    http = client or httpx.Client(timeout=timeout)

    def one(name: str) -> Stats | None:
        try:
            response = http.get(deployment.url(name).rstrip("/") + "/_admin/stats", timeout=timeout)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    try:
        with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
            return dict(zip(wanted, pool.map(one, wanted), strict=True))
    finally:
        if own:
            http.close()
