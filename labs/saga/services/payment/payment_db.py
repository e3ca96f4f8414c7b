"""The payment service's own data: the ledger, customers' credit limits, idempotency keys.

The ledger is append-only: a refund is a new entry, never a deleted charge, which is what makes
a saga's compensation *semantic*. An idempotency key is stored in the same transaction as the
entry it produced, so "did the work" and "remember I did it" can never come apart.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,              -- charge | refund
    order_id INTEGER NOT NULL,
    customer TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    idempotency_key TEXT,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_order ON ledger(order_id);
CREATE TABLE IF NOT EXISTS customers (
    customer TEXT PRIMARY KEY,
    credit_limit_cents INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    response TEXT NOT NULL
);
"""


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


def request_hash(endpoint: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([endpoint, body], sort_keys=True).encode()).hexdigest()


class Ledger:
    def __init__(self, path: Path, default_limit_cents: int) -> None:
        self.db = connect(path)
        self.default_limit = default_limit_cents

    # -- customers --------------------------------------------------------------------------

    def limit(self, customer: str) -> int:
        row = self.db.execute(
            "SELECT credit_limit_cents FROM customers WHERE customer=?", (customer,)
        ).fetchone()
        return int(row[0]) if row else self.default_limit

    def set_limit(self, customer: str, limit_cents: int) -> dict[str, Any]:
        self.db.execute(
            "INSERT INTO customers(customer, credit_limit_cents) VALUES (?, ?) "
            "ON CONFLICT(customer) DO UPDATE SET credit_limit_cents=excluded.credit_limit_cents",
            (customer, limit_cents),
        )
        return self.customer(customer)

    def balance(self, customer: str) -> int:
        """What the customer owes now: charges minus refunds."""
        row = self.db.execute(
            "SELECT COALESCE(SUM(CASE kind WHEN 'charge' THEN amount_cents ELSE -amount_cents END),"
            " 0) FROM ledger WHERE customer=?", (customer,)
        ).fetchone()
        return int(row[0])

    def customer(self, customer: str) -> dict[str, Any]:
        return {"customer": customer, "credit_limit_cents": self.limit(customer),
                "balance_cents": self.balance(customer)}

    # -- idempotent commands ----------------------------------------------------------------

    def replay(self, key: str | None, digest: str) -> tuple[int, dict[str, Any]] | None:
        """The stored answer for `key`, or None if the key is new. Same key, other body: 422."""
        if key is None:
            return None
        row = self.db.execute(
            "SELECT request_hash, status, response FROM idempotency WHERE key=?", (key,)
        ).fetchone()
        if row is None:
            return None
        if row["request_hash"] != digest:
            return 422, {"error": "key_reused",
                         "reason": f"Idempotency-Key {key!r} was already used for a different "
                                   "request; use one key per order and step"}
        return (200 if row["status"] == 201 else row["status"]), json.loads(row["response"])

    def charge(
        self, key: str | None, digest: str, order_id: int, customer: str, amount: int
    ) -> tuple[int, dict[str, Any]]:
        with _Transaction(self.db):
            stored = self.replay(key, digest)
            if stored is not None:
                return stored
            owed = self.balance(customer)
            limit = self.limit(customer)
            if owed + amount > limit:
                status, answer = 402, {
                    "error": "declined",
                    "reason": f"card declined: {customer} would owe {owed + amount} cents, "
                              f"over the credit limit of {limit}",
                }
            else:
                status, answer = 201, self._append("charge", order_id, customer, amount, key)
            self._remember(key, digest, status, answer)
        return status, answer

    def refund(
        self, key: str | None, digest: str, order_id: int, customer: str, amount: int
    ) -> tuple[int, dict[str, Any]]:
        # A refund is a credit to the card: the payment service trusts its callers to refund
        # only what they charged, so a refund for a charge that never happened is money lost.
        with _Transaction(self.db):
            stored = self.replay(key, digest)
            if stored is not None:
                return stored
            answer = self._append("refund", order_id, customer, amount, key)
            self._remember(key, digest, 201, answer)
        return 201, answer

    def entries(self, order_id: int | None, customer: str | None) -> list[dict[str, Any]]:
        sql, args = "SELECT * FROM ledger WHERE 1=1", []
        if order_id is not None:
            sql, args = sql + " AND order_id=?", [*args, order_id]
        if customer is not None:
            sql, args = sql + " AND customer=?", [*args, customer]
        return [dict(r) for r in self.db.execute(sql + " ORDER BY id", args)]

    def _append(
        self, kind: str, order_id: int, customer: str, amount: int, key: str | None
    ) -> dict[str, Any]:
        cur = self.db.execute(
            "INSERT INTO ledger(kind, order_id, customer, amount_cents, idempotency_key, at) "
            "VALUES (?, ?, ?, ?, ?, ?)", (kind, order_id, customer, amount, key, time.time())
        )
        row = self.db.execute("SELECT * FROM ledger WHERE id=?", (cur.lastrowid,)).fetchone()
        return dict(row)

    def _remember(self, key: str | None, digest: str, status: int, answer: dict[str, Any]) -> None:
        if key is not None:
            self.db.execute(
                "INSERT INTO idempotency(key, request_hash, status, response) VALUES (?, ?, ?, ?)",
                (key, digest, status, json.dumps(answer)),
            )


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
