"""The read model: turn order and customer events into the three views.

The service calls `apply(db, event)` for every delivery of an event, from two streams
(`order.>` and `customer.>`). `event` is the event as published:

    {"event_id": "9f2c...", "type": "order.created", "order_id": 17, "version": 1,
     "at": "2026-03-01T09:30:00.123456+00:00", "schema": 1,
     "data": {"customer_id": "c-ann", "amount_cents": 2500}}

Order events: `order.created` (version 1), `order.approved`, `order.cancelled`, `order.shipped`
(each `data` has the customer_id). Customer events: `customer.created` (version 1) and
`customer.renamed`, with `customer_id` instead of `order_id` and `data: {"name"}`.
`event.msg_id`, `event.subject`, `event.stream_seq` and `event.delivery` describe this delivery.

`db` (see view_blocks in the service): `db.execute(sql, params)`, `db.query`, `db.one`,
`with db.transaction():`, `raise db.Skip(reason)`. Its tables: `orders`, `order_history`,
`customers`, `revenue`, `applied`. Return to acknowledge the event; raise and it comes again.
"""

from __future__ import annotations

from typing import Any


def apply(db: Any, event: dict[str, Any]) -> None:
    # TODO(idempotency): deliveries repeat (a redelivery after a crash, a re-published event
    #   with a new message id). Applying an event twice must change nothing, also after a
    #   restart and also when the process dies half-way through an event.
    kind = event["type"]
    if kind == "order.created":
        # TODO(versions): from schema 2 on, order.created carries `lines` instead of
        #   `amount_cents`; events of both schemas stay in the stream for ever.
        data = event["data"]
        db.execute(
            "INSERT INTO orders(order_id, customer_id, status, version, amount_cents)"
            " VALUES (?, ?, 'PENDING', ?, ?)",
            (event["order_id"], data["customer_id"], event["version"], data["amount_cents"]),
        )
    # TODO(projection): fill the views from the events alone: every event of an order in its
    #   history (`at` as the event says), the status and version, the customer's name on each of
    #   their orders, and the revenue of approved orders on the day of the approval event.
    # TODO(ordering): events of one order can come in any order (v3 before v1), and an order
    #   before its customer. A view's status and version never go backwards.
    # TODO(rebuild): POST /_admin/rebuild replays every event (all orders, then all
    #   customers) into an empty store: the views must come out exactly as they are now.
