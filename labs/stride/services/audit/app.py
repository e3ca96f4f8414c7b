"""audit: the shop's hash-chained log of every request the gateway saw.

It consumes `audit.request` (JetStream, durable: a record published while audit is down is
appended when it is back) and appends each record to `audit.db`. Every entry carries the hash
of the one before it, `hash = sha256(prev_hash + canonical JSON of the record)`, so editing or
deleting an entry breaks every hash after it.

API (JSON):
- `GET /audit?request_id=...` -> `{"records": [{"seq", "record", "prev", "hash"}]}` (the newest
  200 without `request_id`).
- `GET /audit/verify` -> `{"ok", "records", "broken_at": seq | null, "problem"}`: the chain
  walked from the first entry.
"""

from __future__ import annotations

import asyncio

from audit_log import AuditLog
from fastapi import Query

from workbench.servicekit import Event, ServiceKit

kit = ServiceKit()
app = kit.app
kit.require_nats()

log = AuditLog(kit.settings.data_path() / "audit.db")
_lock = asyncio.Lock()


@kit.consumer("audit.request")
async def on_request(event: Event) -> None:
    async with _lock:
        # One writer at a time keeps the chain a chain; a redelivery of an event already
        # appended (same message id) is dropped, so a record is never logged twice.
        log.append(event.data, msg_id=event.msg_id)


@kit.on_shutdown
async def close() -> None:
    log.close()


@app.get("/audit")
async def records(
    request_id: str | None = Query(default=None, max_length=200),
) -> dict[str, object]:
    return {"records": log.find(request_id)}


@app.get("/audit/verify")
async def verify() -> dict[str, object]:
    return log.verify()
