"""What a service really did, served at `GET /_admin/stats` for the checks and the live topology.

Shape (the contract other areas read):
`{"service": str, "in_flight": int, "served": {route: {status: count}}, "calls": {peer:
{"count": int, "errors": int, "statuses": {status: count}}}, "published": {subject: count},
"consumed": {subject: count}, "latency": {"routes": {route: L}, "peers": {peer: L}}}`
where `L` is `{"count": int, "p50_ms": float, "p95_ms": float, "buckets": [[lower_ms, upper_ms,
count], ...]}` (the non-empty buckets, ascending; `upper_ms` null for the open last one).
Routes are the route templates (`/orders/{order_id}`), so ids do not multiply the keys. A call
error is a call that got no response (refused, timed out) or a 5xx.

Latency is kept as a histogram with fixed, geometric bucket bounds (each 25 % above the one
before), not as raw samples: memory stays bounded however long the service runs, and two
snapshots can be subtracted bucket by bucket, so a check gets the percentiles of just the calls
it made (`workbench.checks.stats`). A percentile is interpolated inside its bucket, so it is
within a bucket's width (25 %) of the exact value.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from workbench.servicekit.trace import TraceLog

BUCKET_GROWTH = 1.25
BOUNDS_MS: tuple[float, ...] = tuple(
    round(0.1 * BUCKET_GROWTH**i, 4)
    for i in range(60)  # 0.1 ms .. ~52 s
)
"""Upper bounds of the latency buckets; a last, open bucket takes anything slower."""


def percentile(buckets: Sequence[Sequence[float | None]], q: float) -> float | None:
    """The `q` quantile (0..1) of a histogram given as `[[lower_ms, upper_ms, count], ...]`
    (ascending), interpolated linearly inside its bucket; None for an empty histogram.

    The open last bucket (`upper_ms` None) reports its lower bound: nothing better is known.
    """
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


class Histogram:
    """Counts of durations per bucket of `BOUNDS_MS` (plus one open bucket above the last)."""

    def __init__(self) -> None:
        self.counts = [0] * (len(BOUNDS_MS) + 1)

    def add(self, ms: float) -> None:
        self.counts[bisect.bisect_left(BOUNDS_MS, ms)] += 1

    def buckets(self) -> list[list[float | None]]:
        """The non-empty buckets as `[lower_ms, upper_ms, count]` (upper None: the open one)."""
        lowers = (0.0, *BOUNDS_MS)
        uppers: tuple[float | None, ...] = (*BOUNDS_MS, None)
        return [[lowers[i], uppers[i], n] for i, n in enumerate(self.counts) if n]

    def report(self) -> dict[str, Any]:
        buckets = self.buckets()
        return {
            "count": sum(self.counts),
            "p50_ms": percentile(buckets, 0.5),
            "p95_ms": percentile(buckets, 0.95),
            "buckets": buckets,
        }


class Stats:
    def __init__(self, service: str) -> None:
        self.service = service
        self._lock = threading.Lock()
        self.trace = TraceLog(service)
        """Per request id, what the service did (`/_admin/trace`): a failing check shows it."""
        self._in_flight = 0
        """Requests begun and not yet answered: a gauge, so `reset()` leaves it alone."""
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._served: defaultdict[str, defaultdict[str, int]] = defaultdict(
                lambda: defaultdict(int)
            )
            self._calls: dict[str, dict[str, Any]] = {}
            self._published: defaultdict[str, int] = defaultdict(int)
            self._consumed: defaultdict[str, int] = defaultdict(int)
            self._route_ms: defaultdict[str, Histogram] = defaultdict(Histogram)
            self._peer_ms: defaultdict[str, Histogram] = defaultdict(Histogram)

    def began(self) -> None:
        with self._lock:
            self._in_flight += 1

    def ended(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def served(self, route: str, status: int, ms: float | None = None) -> None:
        with self._lock:
            self._served[route][str(status)] += 1
            if ms is not None:
                self._route_ms[route].add(ms)

    def called(self, peer: str, status: int | None, ms: float | None = None) -> None:
        """One outgoing call to `peer`; `status` None means no response came back."""
        with self._lock:
            entry = self._calls.setdefault(peer, {"count": 0, "errors": 0, "statuses": {}})
            entry["count"] += 1
            if status is None or status >= 500:
                entry["errors"] += 1
            if status is not None:
                entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1
            if ms is not None:
                self._peer_ms[peer].add(ms)

    def published(self, subject: str) -> None:
        with self._lock:
            self._published[subject] += 1

    def consumed(self, subject: str) -> None:
        with self._lock:
            self._consumed[subject] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "service": self.service,
                "in_flight": self._in_flight,
                "served": {route: dict(s) for route, s in self._served.items()},
                "calls": {
                    peer: {**c, "statuses": dict(c["statuses"])} for peer, c in self._calls.items()
                },
                "published": dict(self._published),
                "consumed": dict(self._consumed),
                "latency": {
                    "routes": {route: h.report() for route, h in self._route_ms.items()},
                    "peers": {peer: h.report() for peer, h in self._peer_ms.items()},
                },
            }
