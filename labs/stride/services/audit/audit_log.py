"""The hash chain behind the audit service, on sqlite."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def chain_hash(prev: str, record: dict[str, Any]) -> str:
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + canonical).encode()).hexdigest()


class AuditLog:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, msg_id TEXT UNIQUE, "
            "request_id TEXT, record TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS by_request ON entries (request_id)")
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def append(self, record: dict[str, Any], msg_id: str | None = None) -> None:
        if msg_id is not None:
            seen = self._db.execute("SELECT 1 FROM entries WHERE msg_id = ?", (msg_id,))
            if seen.fetchone():
                return
        last = self._db.execute("SELECT hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        prev = last[0] if last else GENESIS
        request_id = record.get("request_id")
        self._db.execute(
            "INSERT INTO entries (msg_id, request_id, record, prev, hash) VALUES (?, ?, ?, ?, ?)",
            (msg_id, str(request_id) if request_id is not None else None,
             json.dumps(record, sort_keys=True), prev, chain_hash(prev, record)),
        )  # fmt: skip
        self._db.commit()

    def find(self, request_id: str | None) -> list[dict[str, Any]]:
        if request_id is None:
            rows = self._db.execute(
                "SELECT seq, record, prev, hash FROM entries ORDER BY seq DESC LIMIT 200"
            ).fetchall()
        else:
            rows = self._db.execute(
                "SELECT seq, record, prev, hash FROM entries WHERE request_id = ? ORDER BY seq",
                (request_id,),
            ).fetchall()
        return [{"seq": s, "record": json.loads(r), "prev": p, "hash": h} for s, r, p, h in rows]

    def verify(self) -> dict[str, Any]:
        prev = GENESIS
        count = 0
        for seq, record, stored_prev, stored_hash in self._db.execute(
            "SELECT seq, record, prev, hash FROM entries ORDER BY seq"
        ):
            count += 1
            if stored_prev != prev:
                return {"ok": False, "records": count, "broken_at": seq,
                        "problem": f"entry {seq} does not follow the entry before it"}  # fmt: skip
            try:
                expected = chain_hash(prev, json.loads(record))
            except ValueError:
                expected = ""
            if stored_hash != expected:
                return {"ok": False, "records": count, "broken_at": seq,
                        "problem": f"entry {seq} was changed after it was written"}  # fmt: skip
            prev = stored_hash
        return {"ok": True, "records": count, "broken_at": None, "problem": None}
