"""What a service really did, served at `GET /_admin/stats` for the checks and the live topology.

Shape (the contract other areas read):
`{"service": str, "served": {route: {status: count}}, "calls": {peer: {"count": int,
"errors": int, "statuses": {status: count}}}, "published": {subject: count},
"consumed": {subject: count}}`.
Routes are the route templates (`/orders/{order_id}`), so ids do not multiply the keys. A call
error is a call that got no response (refused, timed out) or a 5xx.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any


class Stats:
    def __init__(self, service: str) -> None:
        self.service = service
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._served: defaultdict[str, defaultdict[str, int]] = defaultdict(
                lambda: defaultdict(int)
            )
            self._calls: dict[str, dict[str, Any]] = {}
            self._published: defaultdict[str, int] = defaultdict(int)
            self._consumed: defaultdict[str, int] = defaultdict(int)

    def served(self, route: str, status: int) -> None:
        with self._lock:
            self._served[route][str(status)] += 1

    def called(self, peer: str, status: int | None) -> None:
        """One outgoing call to `peer`; `status` None means no response came back."""
        with self._lock:
            entry = self._calls.setdefault(peer, {"count": 0, "errors": 0, "statuses": {}})
            entry["count"] += 1
            if status is None or status >= 500:
                entry["errors"] += 1
            if status is not None:
                entry["statuses"][str(status)] = entry["statuses"].get(str(status), 0) + 1

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
                "served": {route: dict(s) for route, s in self._served.items()},
                "calls": {
                    peer: {**c, "statuses": dict(c["statuses"])} for peer, c in self._calls.items()
                },
                "published": dict(self._published),
                "consumed": dict(self._consumed),
            }
