"""The `stats` fixture's objects: what a service really did, from its kit's `/_admin/stats`.

Runs inside the checks' pytest process. `stats("order")` is a `ServiceStats`: `snapshot()` is
everything the service counted since it started, `delta()` only what happened since the check
began (the fixture notes every service's counts when the check starts). Both are a
`StatsReport`: counts per route, peer and subject (missing keys count 0) and latency
percentiles per route and per peer::

    def test_no_chatty_calls(stats, shop):
        order = stats("order")
        shop.place(...)
        done = order.delta()
        assert done.calls["inventory"] <= 2, "one order made more than two calls to inventory"
        assert done.route_latency("/orders").p95_ms < 200

A service restarted during the check starts counting from zero again; its `delta()` is then
what it counted since the restart.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Buckets = Sequence[Sequence[float | None]]


def percentile(buckets: Buckets, q: float) -> float | None:
    """The `q` quantile of `[[lower_ms, upper_ms | None, count], ...]`, interpolated in its
    bucket. The same computation as the kit's (`workbench.servicekit.stats.percentile`), kept
    here because importing the kit would load FastAPI into every checks process."""
    total = sum(float(count or 0) for _, _, count in buckets)
    if total <= 0:
        return None
    rank = q * total
    seen = 0.0
    for lower, upper, count in buckets:
        n = float(count or 0)
        if n and seen + n >= rank:
            low = float(lower or 0.0)
            if upper is None:
                return round(low, 1)
            return round(low + (float(upper) - low) * (rank - seen) / n, 1)
        seen += n
    return round(float(buckets[-1][0] or 0.0), 1)


@dataclass(frozen=True)
class Latency:
    """How long calls took, in milliseconds (None when there were none)."""

    count: int
    p50_ms: float | None
    p95_ms: float | None
    buckets: tuple[tuple[float | None, ...], ...] = ()

    @classmethod
    def of(cls, buckets: Buckets) -> Latency:
        rows = tuple(tuple(b) for b in buckets if b and float(b[2] or 0) > 0)
        count = int(sum(float(b[2] or 0) for b in rows))
        return cls(count, percentile(rows, 0.5), percentile(rows, 0.95), rows)


_NONE = Latency(0, None, None)


class StatsReport:
    """One service's counts, as its kit reported them (or the difference of two reports)."""

    def __init__(self, service: str, data: Mapping[str, Any]) -> None:
        self.service = service
        self.raw: Mapping[str, Any] = data
        self.in_flight = int(data.get("in_flight") or 0)
        """Requests the service had begun and not yet answered when it reported."""
        served = data.get("served") or {}
        self.served_statuses: dict[str, Counter[str]] = {
            route: Counter({str(k): int(v) for k, v in statuses.items()})
            for route, statuses in served.items()
        }
        """Requests served per route template and status: `{"/orders": {"201": 3}}`."""
        self.served: Counter[str] = Counter(
            {route: sum(s.values()) for route, s in self.served_statuses.items()}
        )
        """Requests served per route template (`/orders/{order_id}`), whatever their status."""
        calls = data.get("calls") or {}
        self.calls: Counter[str] = Counter({p: int(c.get("count", 0)) for p, c in calls.items()})
        """Calls made per peer (a service name, or `host:port` for one the lab does not know)."""
        self.call_errors: Counter[str] = Counter(
            {p: int(c.get("errors", 0)) for p, c in calls.items()}
        )
        """Calls per peer that got no answer or a 5xx."""
        self.published: Counter[str] = Counter(
            {k: int(v) for k, v in (data.get("published") or {}).items()}
        )
        self.consumed: Counter[str] = Counter(
            {k: int(v) for k, v in (data.get("consumed") or {}).items()}
        )
        latency = data.get("latency") or {}
        self._routes: Mapping[str, Any] = latency.get("routes") or {}
        self._peers: Mapping[str, Any] = latency.get("peers") or {}

    def route_latency(self, route: str) -> Latency:
        """p50/p95 of the requests served on `route` (a template, as in `served`)."""
        entry = self._routes.get(route)
        return Latency.of(entry.get("buckets") or []) if entry else _NONE

    def peer_latency(self, peer: str) -> Latency:
        """p50/p95 of the calls made to `peer`, until its answer's head arrived."""
        entry = self._peers.get(peer)
        return Latency.of(entry.get("buckets") or []) if entry else _NONE

    def __repr__(self) -> str:
        parts = [
            f"served={dict(self.served)}",
            f"calls={dict(self.calls)}",
            f"published={dict(self.published)}",
            f"consumed={dict(self.consumed)}",
        ]
        return f"StatsReport({self.service}: {', '.join(parts)})"


def _restarted(before: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    served_b, served_n = before.get("served") or {}, now.get("served") or {}
    for route, statuses in served_b.items():
        for status, count in statuses.items():
            if int((served_n.get(route) or {}).get(status, 0)) < int(count):
                return True
    for key in ("published", "consumed"):
        b, n = before.get(key) or {}, now.get(key) or {}
        if any(int(n.get(k, 0)) < int(v) for k, v in b.items()):
            return True
    calls_b, calls_n = before.get("calls") or {}, now.get("calls") or {}
    return any(
        int((calls_n.get(p) or {}).get("count", 0)) < int(c.get("count", 0))
        for p, c in calls_b.items()
    )


def _minus_buckets(now: Buckets, before: Buckets) -> list[list[float | None]]:
    earlier = {(b[0], b[1]): float(b[2] or 0) for b in before}
    out: list[list[float | None]] = []
    for lower, upper, count in now:
        left = float(count or 0) - earlier.get((lower, upper), 0.0)
        if left > 0:
            out.append([lower, upper, left])
    return out


def subtract(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The report of what happened between `before` and `now` (all of `now` if the service
    restarted in between, or there is no `before`)."""
    if not before or _restarted(before, now):
        return dict(now)

    def minus(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, int]:
        return {k: int(v) - int(b.get(k, 0)) for k, v in a.items() if int(v) - int(b.get(k, 0))}

    served_b = before.get("served") or {}
    served = {
        route: diff
        for route, statuses in (now.get("served") or {}).items()
        if (diff := minus(statuses, served_b.get(route) or {}))
    }
    calls_b = before.get("calls") or {}
    calls: dict[str, Any] = {}
    for peer, entry in (now.get("calls") or {}).items():
        was = calls_b.get(peer) or {}
        count = int(entry.get("count", 0)) - int(was.get("count", 0))
        if count:
            calls[peer] = {
                "count": count,
                "errors": int(entry.get("errors", 0)) - int(was.get("errors", 0)),
                "statuses": minus(entry.get("statuses") or {}, was.get("statuses") or {}),
            }
    latency: dict[str, dict[str, Any]] = {"routes": {}, "peers": {}}
    lat_now, lat_b = now.get("latency") or {}, before.get("latency") or {}
    for kind in ("routes", "peers"):
        was_kind = lat_b.get(kind) or {}
        for key, entry in (lat_now.get(kind) or {}).items():
            was_entry = was_kind.get(key) or {}
            buckets = _minus_buckets(entry.get("buckets") or [], was_entry.get("buckets") or [])
            if buckets:
                latency[kind][key] = {"buckets": buckets}
    return {
        "service": now.get("service"),
        "in_flight": int(now.get("in_flight") or 0),  # a gauge: now's value, not a difference
        "served": served,
        "calls": calls,
        "published": minus(now.get("published") or {}, before.get("published") or {}),
        "consumed": minus(now.get("consumed") or {}, before.get("consumed") or {}),
        "latency": latency,
    }


class ServiceStats:
    """One service's stats for a check: `snapshot()` and `delta()` since the check began."""

    def __init__(self, service: str, fetch: Any, baseline: Mapping[str, Any] | None) -> None:
        self.service = service
        self._fetch = fetch
        self.baseline = baseline

    def snapshot(self) -> StatsReport:
        """Everything the service counted since it (last) started."""
        return StatsReport(self.service, self._fetch())

    def delta(self) -> StatsReport:
        """What the service did since the check began."""
        return StatsReport(self.service, subtract(self._fetch(), self.baseline))

    def wait_quiet(self, within: float = 5.0) -> bool:
        """Wait until the service answers no request (a slow one a caller gave up on is still
        being served, and counts once it ends); False if it was still busy after `within` s."""
        return wait_quiet(self._fetch, within)


def wait_quiet(fetch: Any, within: float = 5.0) -> bool:
    """`fetch()` returns a kit's stats; True as soon as it reports nothing in flight."""
    deadline = time.monotonic() + within
    while True:
        if not int(fetch().get("in_flight") or 0):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
