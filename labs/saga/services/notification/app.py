"""notification: tells the customer how their order ended — the saga's retryable step.

It consumes `order.approved` and `order.rejected` from JetStream. Delivery is at least once (a
redelivery after a missed ack, or the orchestrator publishing again after a retry), so the
handler is an idempotent consumer: one notification per order and outcome, whatever the number
of deliveries. The event must carry `{"order_id": <int>}`; other fields are kept as they come.

API: `GET /notifications?order_id=` -> `{"notifications": [{order_id, kind, customer, at,
deliveries}]}` where `kind` is `approved` or `rejected` and `deliveries` counts the events seen.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from workbench.servicekit import Event, ServiceKit

kit = ServiceKit()
app = kit.app

db = sqlite3.connect(kit.settings.data_path() / "notifications.db", isolation_level=None,
                     check_same_thread=False)
db.row_factory = sqlite3.Row
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute(
    "CREATE TABLE IF NOT EXISTS notifications (order_id INTEGER NOT NULL, kind TEXT NOT NULL,"
    " customer TEXT, at REAL NOT NULL, deliveries INTEGER NOT NULL, PRIMARY KEY (order_id, kind))"
)


def record(event: Event, kind: str) -> None:
    order_id = event.data.get("order_id")
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        # Redelivering cannot fix a malformed event: log it for the learner and move on.
        kit.log.error("event without an integer order_id ignored", subject=event.subject,
                      data=event.data)
        return
    # The dedup record and the notification are one row written in one statement: a crash can
    # never leave "sent" without "remembered".
    db.execute(
        "INSERT INTO notifications(order_id, kind, customer, at, deliveries) VALUES (?, ?, ?, ?, 1)"
        " ON CONFLICT(order_id, kind) DO UPDATE SET deliveries = deliveries + 1",
        (order_id, kind, str(event.data.get("customer") or ""), time.time()),
    )
    kit.log.info("notification", order_id=order_id, kind=kind, delivery=event.delivery)


@kit.consumer("order.approved", ack_wait_s=5.0)
async def on_approved(event: Event) -> None:
    record(event, "approved")


@kit.consumer("order.rejected", ack_wait_s=5.0)
async def on_rejected(event: Event) -> None:
    record(event, "rejected")


@app.get("/notifications")
async def notifications(order_id: int | None = None) -> dict[str, Any]:
    if order_id is None:
        rows = db.execute("SELECT * FROM notifications ORDER BY order_id, kind")
    else:
        rows = db.execute("SELECT * FROM notifications WHERE order_id=? ORDER BY kind", (order_id,))
    return {"notifications": [dict(r) for r in rows]}
