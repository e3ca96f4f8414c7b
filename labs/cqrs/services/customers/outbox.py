"""The write side's events leave through an outbox: the change and its event are stored in one
transaction, then published (with `msg_id` = `event_id`, so a re-send after a lost reply is
dropped by JetStream). An event not published yet (NATS down, the process killed) goes out on the
next command or the next round of the background flusher, in the order it was stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import uuid
from typing import Any

from workbench.servicekit import ServiceKit

OUTBOX = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
);
"""
FLUSH_EVERY_S = 1.0


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def new_event(kind: str, key: str, key_value: Any, version: int, schema: int,
              data: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """`{event_id, type, <key>, version, at, schema, data}`; `kind` is e.g. `order.created`."""
    return {"event_id": uuid.uuid4().hex, "type": kind, key: key_value, "version": version,
            "at": now_iso(), "schema": schema, "data": data}


class Outbox:
    def __init__(self, db: sqlite3.Connection, kit: ServiceKit) -> None:
        self.db = db
        self.kit = kit
        db.executescript(OUTBOX)
        self._lock: asyncio.Lock | None = None

    def add(self, event: dict[str, Any]) -> None:
        """Store the event; call inside the transaction that makes the change."""
        self.db.execute(
            "INSERT INTO outbox(event_id, subject, body) VALUES (?, ?, ?)",
            (event["event_id"], event["type"], json.dumps(event, separators=(",", ":"))),
        )

    async def flush(self) -> int:
        """Publish what is not published yet, oldest first; returns how many went out."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        sent = 0
        async with self._lock:
            rows = self.db.execute(
                "SELECT seq, event_id, subject, body FROM outbox WHERE published=0 ORDER BY seq"
            ).fetchall()
            for seq, event_id, subject, body in rows:
                try:
                    await self.kit.publish(subject, json.loads(body), msg_id=event_id)
                except Exception as exc:
                    self.kit.log.warning("event not published yet", subject=subject,
                                         event_id=event_id, error=str(exc))
                    break  # keep the order: later events wait for this one
                self.db.execute("UPDATE outbox SET published=1 WHERE seq=?", (seq,))
                sent += 1
        return sent

    async def keep_flushing(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            try:
                await self.flush()
            except Exception as exc:
                self.kit.log.warning("outbox flush failed", error=repr(exc))
