"""The order service's own data: orders (with their state machine) and the saga log.

Both live in one sqlite file under DATA_DIR, so they survive a crash of the process. The state
machine is enforced here, in one UPDATE guarded by the current state, so two concurrent writers
can never both "win": PENDING -> APPROVED | REJECTED, and nothing leaves a final state.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

PENDING, APPROVED, REJECTED = "PENDING", "APPROVED", "REJECTED"
FINAL = (APPROVED, REJECTED)

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    customer TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    error TEXT,
    request_key TEXT UNIQUE,
    saga_open INTEGER NOT NULL DEFAULT 1,  -- 1 while run()/resume() has not returned
    created_at REAL NOT NULL,
    deadline_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS saga_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL,
    data TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS saga_log_order ON saga_log(order_id, seq);
"""


class IllegalTransition(Exception):
    """The order state machine refused a move (e.g. approving an order already REJECTED)."""


class Orders:
    def __init__(self, path: Path, deadline_s: float) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.deadline_s = deadline_s

    def create(
        self, fields: dict[str, Any], request_key: str | None
    ) -> tuple[dict[str, Any], bool]:
        """(order, created); with a request key seen before, the first order and False."""
        if request_key is not None:
            row = self.db.execute(
                "SELECT id FROM orders WHERE request_key=?", (request_key,)
            ).fetchone()
            if row is not None:
                return self.get(row["id"]) or {}, False
        now = time.time()
        cur = self.db.execute(
            "INSERT INTO orders(customer, sku, qty, amount_cents, address, status, request_key,"
            " created_at, deadline_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (fields["customer"], fields["sku"], fields["qty"], fields["amount_cents"],
             fields["address"], PENDING, request_key, now, now + self.deadline_s, now),
        )
        return self.get(int(cur.lastrowid or 0)) or {}, True

    def get(self, order_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        if row is None:
            return None
        order = dict(row)
        order.pop("request_key", None)
        order["saga_open"] = bool(order["saga_open"])
        return order

    def list(self, status: str | None = None, ids: list[int] | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT id FROM orders WHERE 1=1", []
        if status:
            sql, args = sql + " AND status=?", [*args, status]
        if ids:
            sql += f" AND id IN ({','.join('?' * len(ids))})"
            args = [*args, *ids]
        rows = self.db.execute(sql + " ORDER BY id", args).fetchall()
        return [o for r in rows if (o := self.get(r["id"])) is not None]

    def transition(self, order_id: int, to: str, reason: str | None = None) -> dict[str, Any]:
        """Move PENDING -> `to`. Repeating the same final move is a no-op; anything else raises."""
        cur = self.db.execute(
            "UPDATE orders SET status=?, reason=?, error=NULL, updated_at=? "
            "WHERE id=? AND status=?", (to, reason, time.time(), order_id, PENDING),
        )
        order = self.get(order_id)
        if order is None:
            raise IllegalTransition(f"there is no order {order_id}")
        if cur.rowcount == 0 and order["status"] != to:
            raise IllegalTransition(
                f"order {order_id} is already {order['status']}; it cannot become {to}"
            )
        return order

    def open_sagas(self) -> list[dict[str, Any]]:
        """Orders whose saga was still running when the process stopped (crash, kill)."""
        rows = self.db.execute("SELECT id FROM orders WHERE saga_open=1 ORDER BY id").fetchall()
        return [o for r in rows if (o := self.get(r["id"])) is not None]

    def close_saga(self, order_id: int) -> None:
        self.db.execute("UPDATE orders SET saga_open=0 WHERE id=?", (order_id,))

    def set_error(self, order_id: int, error: str | None) -> None:
        self.db.execute(
            "UPDATE orders SET error=?, updated_at=? WHERE id=?", (error, time.time(), order_id)
        )

    # -- saga log -------------------------------------------------------------------------------

    def log_append(
        self, order_id: int, step: str, state: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        now = time.time()
        cur = self.db.execute(
            "INSERT INTO saga_log(order_id, step, state, data, at) VALUES (?, ?, ?, ?, ?)",
            (order_id, step, state, json.dumps(data, default=str), now),
        )
        return {"seq": cur.lastrowid, "step": step, "state": state, "data": data, "at": now}

    def log_entries(self, order_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT seq, step, state, data, at FROM saga_log WHERE order_id=? ORDER BY seq",
            (order_id,),
        )
        return [{**dict(r), "data": json.loads(r["data"])} for r in rows]
