"""The read side's store, handed to `projection.apply(db, event)` as `db`.

One sqlite file under DATA_DIR holds the views. The tables are fixed here, because the service
serves its HTTP views from them; the projection decides what goes in:

- `orders(order_id, customer_id, customer_name, status, version, amount_cents, approved_at)` —
  one row per order, denormalised: the customer's name is copied onto every row;
- `order_history(order_id, version, type, at)` — one row per event applied to an order;
- `customers(customer_id, name, version)`;
- `revenue(day, orders, amount_cents)` — approved orders per day (`YYYY-MM-DD`);
- `applied(event_id)` — room for the marks of events already applied, if you want them.

`db.execute(sql, params)` runs one statement (autocommit, unless inside `db.transaction()`) and
returns the number of rows it changed; `db.query` returns rows as dicts, `db.one` the first or
None. `with db.transaction():` makes every statement inside one all-or-nothing change: an
exception, or the process dying, undoes all of it. `db.Skip` is the exception to raise for an
event the projection can never apply (an unknown schema): the service records it in
`/_admin/problems` and moves on instead of delivering it again.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id INTEGER PRIMARY KEY,
    customer_id TEXT,
    customer_name TEXT,
    status TEXT NOT NULL DEFAULT 'PENDING',
    version INTEGER NOT NULL DEFAULT 0,
    amount_cents INTEGER,
    approved_at TEXT
);
CREATE INDEX IF NOT EXISTS orders_customer ON orders(customer_id, order_id);
CREATE TABLE IF NOT EXISTS order_history (
    order_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS order_history_order ON order_history(order_id, version);
CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY,
    name TEXT,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS revenue (
    day TEXT PRIMARY KEY,
    orders INTEGER NOT NULL DEFAULT 0,
    amount_cents INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS applied (
    event_id TEXT PRIMARY KEY
);
"""

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class Skip(Exception):
    """Raised by the projection for an event it can never apply; the service records the
    reason and acknowledges the event (it is not delivered again)."""


class EventBody(dict[str, Any]):
    """The event as published (a dict), plus how it was delivered: `msg_id` (the NATS
    message id), `subject`, `stream_seq` and `delivery` (1 on the first delivery)."""

    msg_id: str | None = None
    subject: str = ""
    stream_seq: int = 0
    delivery: int = 1

    @classmethod
    def of(
        cls, data: dict[str, Any], *, msg_id: str | None, subject: str, stream_seq: int,
        delivery: int,
    ) -> EventBody:  # fmt: skip
        body = cls(data)
        body.msg_id, body.subject = msg_id, subject
        body.stream_seq, body.delivery = stream_seq, delivery
        return body


class ViewDb:
    """The views' sqlite store (see the module doc)."""

    Skip = Skip

    def __init__(self, path: Path, *, fast: bool = False) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        # A store being rebuilt is thrown away if the process dies: no need to sync it.
        self._conn.execute(f"PRAGMA synchronous={'OFF' if fast else 'NORMAL'}")
        self._conn.executescript(SCHEMA)
        self._depth = 0
        self._writes = 0
        self._after_first_write: Callable[[], None] | None = None

    # -- what the projection uses -----------------------------------------------------------------

    def execute(self, sql: str, params: Any = ()) -> int:
        if sql.lstrip()[:7].upper().startswith(WRITES):
            self._writes += 1
            if self._writes == 2 and self._after_first_write is not None:
                # The first write of this event is done (and committed, outside a transaction):
                # the lab's crash point "mid-apply".
                self._after_first_write()
        return int(self._conn.execute(sql, params).rowcount)

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._conn.execute(sql, params).fetchall()]

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        row = self._conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[ViewDb]:
        """All statements inside commit together, or not at all (nested: one transaction)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self._conn.execute("COMMIT")

    # -- what the service uses --------------------------------------------------------------------

    @contextlib.contextmanager
    def applying(self, after_first_write: Callable[[], None] | None = None) -> Iterator[None]:
        """One event's apply: counts its writes, and undoes a transaction it left open."""
        self._writes, self._after_first_write = 0, after_first_write
        try:
            yield
        finally:
            self._after_first_write = None
            if self._depth or self._conn.in_transaction:
                self._depth = 0
                self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def order_view(self, order_id: int) -> dict[str, Any] | None:
        row = self.one(
            "SELECT order_id, customer_id, customer_name, status, version, amount_cents"
            " FROM orders WHERE order_id=?",
            (order_id,),
        )
        if row is None:
            return None
        row["history"] = self.query(
            "SELECT version, type, at FROM order_history WHERE order_id=?"
            " ORDER BY version, type, at",
            (order_id,),
        )
        return row

    def customer_orders(self, customer_id: str) -> dict[str, Any] | None:
        customer = self.one("SELECT name FROM customers WHERE customer_id=?", (customer_id,))
        orders = self.query(
            "SELECT order_id, customer_name, status, version, amount_cents FROM orders"
            " WHERE customer_id=? ORDER BY order_id",
            (customer_id,),
        )
        if customer is None and not orders:
            return None
        name = customer["name"] if customer else None
        return {"customer_id": customer_id, "name": name, "orders": orders}

    def revenue(self, day: str) -> dict[str, Any]:
        row = self.one("SELECT orders, amount_cents FROM revenue WHERE day=?", (day,))
        found = row or {"orders": 0, "amount_cents": 0}
        return {"day": day, "orders": found["orders"], "amount_cents": found["amount_cents"]}
