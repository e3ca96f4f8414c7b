"""The events the projection could not apply, as `GET /_admin/problems` lists them ("events").

An event is `failing` while `apply` raises on it (the kit delivers it again, with back-off) and
`skipped` once the projection gave up on it for good (`db.Skip`) or it is not an event of this
lab at all. A failing event that applies at last leaves the list.
"""

from __future__ import annotations

import time
from typing import Any

from view_blocks import EventBody

KEEP = 200
"""At most this many entries are kept (the oldest go first)."""


class EventProblems:
    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Any]] = {}

    def _key(self, event: EventBody) -> str:
        event_id = event.get("event_id")
        return str(event_id) if event_id else f"{event.subject}#{event.stream_seq}"

    def _put(self, event: EventBody, entry: dict[str, Any]) -> None:
        key = self._key(event)
        self._entries.pop(key, None)
        self._entries[key] = {
            "event_id": event.get("event_id"),
            "subject": event.subject,
            "type": event.get("type"),
            "order_id": event.get("order_id"),
            "customer_id": event.get("customer_id"),
            "version": event.get("version"),
            "schema": event.get("schema"),
            **entry,
            "at": time.time(),
        }
        while len(self._entries) > KEEP:
            self._entries.pop(next(iter(self._entries)))

    def skipped(self, event: EventBody, reason: str) -> None:
        self._put(event, {"state": "skipped", "reason": reason, "deliveries": event.delivery})

    def failing(self, event: EventBody, problem: str, where: str | None) -> None:
        self._put(
            event,
            {"state": "failing", "reason": problem, "where": where, "deliveries": event.delivery},
        )

    def is_failing(self, event: EventBody) -> bool:
        """Whether the live consumer keeps failing on this event (so the live views lack it)."""
        entry = self._entries.get(self._key(event))
        return entry is not None and entry["state"] == "failing"

    def applied(self, event: EventBody) -> None:
        self._entries.pop(self._key(event), None)

    def listing(self) -> list[dict[str, Any]]:
        return list(self._entries.values())
