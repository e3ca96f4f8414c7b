"""The read model: turn order and customer events into the three views (a solution).

`apply(db, event)` is called once per delivery. Deliveries repeat (at least once) and arrive in
any order between the two streams, and even within one when a check shuffles them, so:

- every event is applied at most once: its id is marked in the same transaction as its changes;
- an order's status and version only move forward: an event older than what the view holds
  adds its history entry and its facts (amount, customer) but never rewinds the status;
- everything written comes from the event, never from the clock or the command side, so a replay
  of the same events gives the same views;
- schema 1 of `order.created` is upcast to schema 2 (lines); an unknown schema is skipped.
"""

from __future__ import annotations

from typing import Any

STATUS_OF = {
    "order.created": "PENDING",
    "order.approved": "APPROVED",
    "order.cancelled": "CANCELLED",
    "order.shipped": "SHIPPED",
}
KNOWN_SCHEMAS = (1, 2)


def apply(db: Any, event: dict[str, Any]) -> None:
    # The mark and the changes share one transaction: both happen, or neither.
    with db.transaction():
        if db.one("SELECT 1 FROM applied WHERE event_id=?", (event["event_id"],)):
            return
        db.execute("INSERT INTO applied(event_id) VALUES (?)", (event["event_id"],))
        kind = event["type"]
        if kind in STATUS_OF:
            apply_order_event(db, upcast(db, event))
        elif kind in ("customer.created", "customer.renamed"):
            apply_customer_event(db, event)
        else:
            raise db.Skip(f"unknown event type {kind}")


def upcast(db: Any, event: dict[str, Any]) -> dict[str, Any]:
    """Any known schema -> schema 2 (`order.created` carries `lines`)."""
    schema = event.get("schema", 1)
    if schema not in KNOWN_SCHEMAS:
        raise db.Skip(f"schema {schema} of {event['type']} is unknown to this projection")
    if event["type"] == "order.created" and schema == 1:
        data = dict(event["data"])
        amount = int(data.pop("amount_cents"))
        data["lines"] = [{"sku": "item", "qty": 1, "price_cents": amount}]
        return {**event, "schema": 2, "data": data}
    return event


def day_of(at: str) -> str:
    return at[:10]


def apply_order_event(db: Any, event: dict[str, Any]) -> None:
    order_id, version, kind = int(event["order_id"]), int(event["version"]), event["type"]
    # A later event may arrive before the order's creation: keep a row for it all the same.
    db.execute("INSERT INTO orders(order_id) VALUES (?) ON CONFLICT DO NOTHING", (order_id,))
    row = db.one("SELECT * FROM orders WHERE order_id=?", (order_id,))
    db.execute(
        "INSERT INTO order_history(order_id, version, type, at) VALUES (?, ?, ?, ?)",
        (order_id, version, kind, event["at"]),
    )
    if version > row["version"]:
        db.execute(
            "UPDATE orders SET status=?, version=? WHERE order_id=?",
            (STATUS_OF[kind], version, order_id),
        )
    if kind == "order.created":
        customer_id = event["data"]["customer_id"]
        amount = sum(int(line["qty"]) * int(line["price_cents"]) for line in event["data"]["lines"])
        customer = db.one("SELECT name FROM customers WHERE customer_id=?", (customer_id,))
        db.execute(
            "UPDATE orders SET customer_id=?, customer_name=?, amount_cents=? WHERE order_id=?",
            (customer_id, customer["name"] if customer else None, amount, order_id),
        )
        if row["approved_at"] is not None:  # approved before we knew the amount: count it now
            add_revenue(db, day_of(row["approved_at"]), amount)
    elif kind == "order.approved":
        db.execute("UPDATE orders SET approved_at=? WHERE order_id=?", (event["at"], order_id))
        if row["amount_cents"] is not None:
            add_revenue(db, day_of(event["at"]), row["amount_cents"])


def add_revenue(db: Any, day: str, amount: int) -> None:
    db.execute(
        "INSERT INTO revenue(day, orders, amount_cents) VALUES (?, 1, ?) ON CONFLICT(day)"
        " DO UPDATE SET orders = orders + 1, amount_cents = amount_cents + excluded.amount_cents",
        (day, amount),
    )


def apply_customer_event(db: Any, event: dict[str, Any]) -> None:
    customer_id, version = event["customer_id"], int(event["version"])
    name = event["data"]["name"]
    db.execute(
        "INSERT INTO customers(customer_id) VALUES (?) ON CONFLICT DO NOTHING", (customer_id,)
    )
    row = db.one("SELECT version FROM customers WHERE customer_id=?", (customer_id,))
    if version <= row["version"]:
        return  # an older name than the one we show: a rename overtook it
    db.execute(
        "UPDATE customers SET name=?, version=? WHERE customer_id=?", (name, version, customer_id)
    )
    # The name is copied onto every order row of the customer (denormalised for the query).
    db.execute("UPDATE orders SET customer_name=? WHERE customer_id=?", (name, customer_id))
