"""What this service did, per request id, kept for a while so a failing check can show it.

Every incoming request, outgoing call and event published or consumed is noted with the request
id of the work it belongs to (the one the caller sent, or a fresh one). A check sends its own id
with its requests, and it travels on through every call and event they cause; so asking each
service for that id (`GET /_admin/trace?request_id=...`) gives everything the check set off,
which the checks' plugin puts in time order. Memory stays bounded: the newest `MAX_RECORDS`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from workbench.servicekit.context import current_request_id

MAX_RECORDS = 20000


class TraceLog:
    def __init__(self, service: str) -> None:
        self.service = service
        self._records: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDS)
        self._lock = threading.Lock()

    def note(self, kind: str, **fields: Any) -> None:
        """One thing the service did (`request`, `call`, `published`, `consumed`, `failed`)."""
        rid = current_request_id()
        if rid is None:
            return  # work no request or event started (start-up, reconnects): no check's
        record = {"ts": time.time(), "service": self.service, "kind": kind, "request_id": rid}
        record.update({k: v for k, v in fields.items() if v is not None})
        with self._lock:
            self._records.append(record)

    def of(self, request_id: str, limit: int = MAX_RECORDS) -> list[dict[str, Any]]:
        """The records of one request id, oldest first (at most the newest `limit`)."""
        with self._lock:
            # A check's requests carry `<its id>.<n>`: asking for its id finds them all.
            under = request_id + "."
            found = [
                r
                for r in self._records
                if r["request_id"] == request_id or r["request_id"].startswith(under)
            ]
        return found[-limit:] if limit > 0 else []
