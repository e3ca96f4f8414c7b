"""The orders store (sqlite): one row per order, its items as JSON."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


class Orders:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, "
            "items TEXT NOT NULL, count INTEGER NOT NULL, address TEXT)"
        )
        self._db.commit()

    @staticmethod
    def _row(row: tuple[Any, ...]) -> dict[str, Any]:
        order_id, owner, items, count, address = row
        return {"id": order_id, "owner": owner, "items": json.loads(items), "count": count,
                "address": address}  # fmt: skip

    def add(self, owner: str, items: list[dict[str, Any]], count: int,
            address: str | None) -> dict[str, Any]:  # fmt: skip
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO orders (owner, items, count, address) VALUES (?, ?, ?, ?)",
                (owner, json.dumps(items), count, address),
            )
            self._db.commit()
            order_id = cursor.lastrowid
        return {"id": order_id, "owner": owner, "items": items, "count": count, "address": address}

    def get(self, order_id: int) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, owner, items, count, address FROM orders WHERE id = ?", (order_id,)
            ).fetchone()
        return self._row(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, owner, items, count, address FROM orders ORDER BY id DESC LIMIT 500"
            ).fetchall()
        return [self._row(r) for r in rows]
