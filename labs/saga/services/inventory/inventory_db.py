"""The inventory's own data: stock levels and reservations in one sqlite file.

Each method is one short transaction with no I/O other than sqlite, called from async endpoints
without awaiting in between, so concurrent requests never interleave inside it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock (
    sku TEXT PRIMARY KEY,
    available INTEGER NOT NULL,
    low_water INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reservations (
    order_id INTEGER PRIMARY KEY,
    sku TEXT,
    qty INTEGER NOT NULL,
    state TEXT NOT NULL,          -- held | released
    reserved_at REAL,
    released_at REAL
);
"""


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    # WAL + NORMAL survives a killed process (the OS keeps the pages); only a power cut could
    # lose the last commit, which a lab does not need to survive.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    return db


class Stock:
    def __init__(self, path: Path) -> None:
        self.db = connect(path)

    def level(self, sku: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT available, low_water FROM stock WHERE sku=?", (sku,)
        ).fetchone()
        held = self.db.execute(
            "SELECT COALESCE(SUM(qty), 0) FROM reservations WHERE sku=? AND state='held'", (sku,)
        ).fetchone()[0]
        available, low = (row["available"], row["low_water"]) if row else (0, 0)
        return {"sku": sku, "available": available, "reserved": held, "low_water": low}

    def set(self, sku: str, available: int) -> dict[str, Any]:
        self.db.execute(
            "INSERT INTO stock(sku, available, low_water) VALUES (?, ?, ?) "
            "ON CONFLICT(sku) DO UPDATE SET available=excluded.available, "
            "low_water=excluded.low_water",
            (sku, available, available),
        )
        return self.level(sku)

    def adjust(self, sku: str, delta: int) -> dict[str, Any]:
        with self._tx():
            self.db.execute(
                "INSERT INTO stock(sku, available, low_water) VALUES (?, 0, 0) "
                "ON CONFLICT(sku) DO NOTHING", (sku,)
            )
            self.db.execute(
                "UPDATE stock SET available = available + ?, "
                "low_water = MIN(low_water, available + ?) WHERE sku=?", (delta, delta, sku)
            )
        return self.level(sku)

    def reserve(self, order_id: int, sku: str, qty: int) -> tuple[str, dict[str, Any]]:
        """('reserved' | 'again' | 'mismatch' | 'released' | 'out_of_stock', details)."""
        with self._tx():
            existing = self.reservation(order_id)
            if existing is not None:
                if existing["state"] == "released":
                    return "released", existing
                if (existing["sku"], existing["qty"]) != (sku, qty):
                    return "mismatch", existing
                return "again", existing
            row = self.db.execute("SELECT available FROM stock WHERE sku=?", (sku,)).fetchone()
            available = row["available"] if row else 0
            if available < qty:
                return "out_of_stock", {"order_id": order_id, "sku": sku, "available": available}
            self.db.execute(
                "UPDATE stock SET available = available - ?, low_water = MIN(low_water, "
                "available - ?) WHERE sku=?", (qty, qty, sku)
            )
            self.db.execute(
                "INSERT INTO reservations(order_id, sku, qty, state, reserved_at) "
                "VALUES (?, ?, ?, 'held', ?)", (order_id, sku, qty, time.time())
            )
        return "reserved", self.reservation(order_id) or {}

    def release(self, order_id: int) -> tuple[str, dict[str, Any]]:
        """('released' | 'again' | 'tombstone', reservation); every outcome is a success."""
        with self._tx():
            existing = self.reservation(order_id)
            now = time.time()
            if existing is None:
                self.db.execute(
                    "INSERT INTO reservations(order_id, sku, qty, state, released_at) "
                    "VALUES (?, NULL, 0, 'released', ?)", (order_id, now)
                )
                outcome = "tombstone"
            elif existing["state"] == "released":
                return "again", existing
            else:
                self.db.execute(
                    "UPDATE stock SET available = available + ? WHERE sku=?",
                    (existing["qty"], existing["sku"]),
                )
                self.db.execute(
                    "UPDATE reservations SET state='released', released_at=? WHERE order_id=?",
                    (now, order_id),
                )
                outcome = "released"
        return outcome, self.reservation(order_id) or {}

    def reservation(self, order_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM reservations WHERE order_id=?", (order_id,)).fetchone()
        return dict(row) if row else None

    def reservations(self, sku: str | None) -> list[dict[str, Any]]:
        if sku is None:
            rows = self.db.execute("SELECT * FROM reservations ORDER BY order_id")
        else:
            rows = self.db.execute(
                "SELECT * FROM reservations WHERE sku=? ORDER BY order_id", (sku,)
            )
        return [dict(r) for r in rows]

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (the lock also guards other processes)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
