"""customers: who buys (the write side of customer data).

API (JSON):
- `POST /customers` `{"customer_id", "name"}` -> 201 `{customer_id, name, version}`; 409 if the
  id is taken.
- `POST /customers/{id}/rename` `{"name"}` -> 200 the customer (version + 1); 404 if unknown.
- `GET /customers/{id}`.
- Each change publishes `{event_id, type, customer_id, version, at, schema: 1, data: {"name"}}`
  on `customer.created` or `customer.renamed`, with `Nats-Msg-Id` = `event_id`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from fastapi import HTTPException
from outbox import Outbox, new_event
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app
kit.require_nats()

db = sqlite3.connect(kit.settings.data_path() / "customers.db", isolation_level=None,
                     check_same_thread=False)
db.row_factory = sqlite3.Row
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("CREATE TABLE IF NOT EXISTS customers (customer_id TEXT PRIMARY KEY, name TEXT NOT NULL,"
           " version INTEGER NOT NULL)")
outbox = Outbox(db, kit)
_tasks: set[asyncio.Task[None]] = set()


class NewCustomer(BaseModel):
    customer_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=200)


def _get(customer_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM customers WHERE customer_id=?", (customer_id,)).fetchone()
    return dict(row) if row else None


def _must_be_new(customer_id: str) -> None:
    if _get(customer_id) is not None:
        raise HTTPException(409, f"customer {customer_id} exists already")


def _existing(customer_id: str) -> dict[str, Any]:
    found = _get(customer_id)
    if found is None:
        raise HTTPException(404, f"no customer {customer_id}")
    return found


@kit.on_startup
async def start_flusher() -> None:
    try:
        await kit.messaging.ensure_stream("customer.created")
    except Exception as exc:  # the flusher makes it on its first publish
        kit.log.warning("stream not made yet", error=repr(exc))
    _tasks.add(asyncio.get_running_loop().create_task(outbox.keep_flushing()))


@kit.on_shutdown
async def stop_flusher() -> None:
    for task in _tasks:
        task.cancel()


@app.post("/customers", status_code=201)
async def create_customer(new: NewCustomer) -> dict[str, Any]:
    db.execute("BEGIN IMMEDIATE")
    try:
        _must_be_new(new.customer_id)
        db.execute("INSERT INTO customers(customer_id, name, version) VALUES (?, ?, 1)",
                   (new.customer_id, new.name))
        outbox.add(new_event("customer.created", "customer_id", new.customer_id, 1, 1,
                             {"name": new.name}))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    await outbox.flush()
    return _get(new.customer_id) or {}


@app.post("/customers/{customer_id}/rename")
async def rename(customer_id: str, change: Rename) -> dict[str, Any]:
    db.execute("BEGIN IMMEDIATE")
    try:
        version = int(_existing(customer_id)["version"]) + 1
        db.execute("UPDATE customers SET name=?, version=? WHERE customer_id=?",
                   (change.name, version, customer_id))
        outbox.add(new_event("customer.renamed", "customer_id", customer_id, version, 1,
                             {"name": change.name}))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    await outbox.flush()
    return _get(customer_id) or {}


@app.get("/customers/{customer_id}")
async def get_customer(customer_id: str) -> dict[str, Any]:
    return _existing(customer_id)
