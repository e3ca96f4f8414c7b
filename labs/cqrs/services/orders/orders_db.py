"""The write model: orders and their state machine, one sqlite file under DATA_DIR.

PENDING -> APPROVED -> SHIPPED, and PENDING -> CANCELLED. Every change bumps the order's version
(1 at creation) and stores its event in the outbox in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from outbox import Outbox, new_event

from workbench.servicekit import ServiceKit

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    lines TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

MOVES = {
    "approve": ({"PENDING"}, "APPROVED", "order.approved"),
    "cancel": ({"PENDING"}, "CANCELLED", "order.cancelled"),
    "ship": ({"APPROVED"}, "SHIPPED", "order.shipped"),
}


class IllegalMove(Exception):
    """The state machine refuses the move (answered 409)."""


class UnknownOrder(Exception):
    """No such order (answered 404)."""


class Orders:
    def __init__(self, path: Path, kit: ServiceKit) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.outbox = Outbox(self.db, kit)

    @property
    def schema(self) -> int:
        row = self.db.execute("SELECT value FROM settings WHERE key='schema'").fetchone()
        return int(row["value"]) if row else 1

    def set_schema(self, version: int) -> None:
        self.db.execute(
            "INSERT INTO settings(key, value) VALUES ('schema', ?)"
            " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (str(version),),
        )

    def create(self, customer_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        amount = sum(int(line["qty"]) * int(line["price_cents"]) for line in lines)
        schema = self.schema
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "INSERT INTO orders(customer_id, lines, amount_cents, status, version)"
                " VALUES (?, ?, ?, 'PENDING', 1)",
                (customer_id, json.dumps(lines), amount),
            )
            order_id = int(cur.lastrowid or 0)
            data: dict[str, Any] = {"customer_id": customer_id}
            if schema >= 2:
                data["lines"] = lines
            else:
                data["amount_cents"] = amount
            self.outbox.add(new_event("order.created", "order_id", order_id, 1, schema, data))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.get(order_id)

    def move(self, order_id: int, move: str) -> dict[str, Any]:
        allowed, to, kind = MOVES[move]
        schema = self.schema
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self._movable(order_id, allowed, to)
            version = int(row["version"]) + 1
            self.db.execute(
                "UPDATE orders SET status=?, version=? WHERE id=?", (to, version, order_id)
            )
            data = {"customer_id": row["customer_id"]}
            self.outbox.add(new_event(kind, "order_id", order_id, version, schema, data))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.get(order_id)

    def _movable(self, order_id: int, allowed: set[str], to: str) -> sqlite3.Row:
        row = self.db.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        if row is None:
            raise UnknownOrder(f"no order {order_id}")
        if row["status"] not in allowed:
            raise IllegalMove(f"order {order_id} is {row['status']}; it cannot be {to.lower()}")
        return row

    def get(self, order_id: int) -> dict[str, Any]:
        row = self.db.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        if row is None:
            raise UnknownOrder(f"no order {order_id}")
        order = dict(row)
        order["lines"] = json.loads(order["lines"])
        return order
