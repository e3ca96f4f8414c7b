"""orders: the write model (the command side). It never answers a query about views.

API (JSON):
- `POST /orders` `{"customer_id", "amount_cents"}` or `{"customer_id", "lines": [{"sku", "qty",
  "price_cents"}]}` -> 201 the order `{id, customer_id, lines, amount_cents, status, version}`.
- `POST /orders/{id}/approve` (PENDING -> APPROVED), `/cancel` (PENDING -> CANCELLED), `/ship`
  (APPROVED -> SHIPPED) -> 200 the order; 409 naming the order's state for any other move.
- `GET /orders/{id}` -> the order (the write model, for the curious; the views never call it).
- Each change publishes one event `{event_id, type, order_id, version, at, schema, data}` on
  `order.<created|approved|cancelled|shipped>` with `Nats-Msg-Id` = `event_id`; `version` is the
  order's version after the change (1, 2, 3...), `at` the time of the change (ISO 8601, UTC).
  `order.created` carries `data.amount_cents` under schema 1, `data.lines` under schema 2.
- `POST /_admin/schema` `{"version": 1|2}`, `GET /_admin/schema`: which schema new events use.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import HTTPException
from orders_db import IllegalMove, Orders, UnknownOrder
from pydantic import BaseModel, Field, model_validator

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app
kit.require_nats()

orders = Orders(kit.settings.data_path() / "orders.db", kit)
_tasks: set[asyncio.Task[None]] = set()


class Line(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(ge=1, le=1000)
    price_cents: int = Field(ge=0)


class NewOrder(BaseModel):
    customer_id: str = Field(min_length=1, max_length=100)
    amount_cents: int | None = Field(default=None, ge=0)
    lines: list[Line] | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def one_of_amount_or_lines(self) -> NewOrder:
        if (self.amount_cents is None) == (self.lines is None):
            raise ValueError("give either amount_cents or lines")
        return self

    def as_lines(self) -> list[dict[str, Any]]:
        if self.lines is not None:
            return [line.model_dump() for line in self.lines]
        return [{"sku": "item", "qty": 1, "price_cents": self.amount_cents or 0}]


class SchemaChoice(BaseModel):
    version: int = Field(ge=1, le=2)


@kit.on_startup
async def start_flusher() -> None:
    try:
        await kit.messaging.ensure_stream("order.created")
    except Exception as exc:  # the flusher makes it on its first publish
        kit.log.warning("stream not made yet", error=repr(exc))
    task = asyncio.get_running_loop().create_task(orders.outbox.keep_flushing())
    _tasks.add(task)


@kit.on_shutdown
async def stop_flusher() -> None:
    for task in _tasks:
        task.cancel()


@app.post("/orders", status_code=201)
async def create_order(new: NewOrder) -> dict[str, Any]:
    order = orders.create(new.customer_id, new.as_lines())
    await orders.outbox.flush()
    return order


async def _move(order_id: int, move: str) -> dict[str, Any]:
    try:
        order = orders.move(order_id, move)
    except UnknownOrder as exc:
        raise HTTPException(404, str(exc)) from None
    except IllegalMove as exc:
        raise HTTPException(409, str(exc)) from None
    await orders.outbox.flush()
    return order


@app.post("/orders/{order_id}/approve")
async def approve(order_id: int) -> dict[str, Any]:
    return await _move(order_id, "approve")


@app.post("/orders/{order_id}/cancel")
async def cancel(order_id: int) -> dict[str, Any]:
    return await _move(order_id, "cancel")


@app.post("/orders/{order_id}/ship")
async def ship(order_id: int) -> dict[str, Any]:
    return await _move(order_id, "ship")


@app.get("/orders/{order_id}")
async def get_order(order_id: int) -> dict[str, Any]:
    try:
        return orders.get(order_id)
    except UnknownOrder as exc:
        raise HTTPException(404, str(exc)) from None


@app.get("/_admin/schema")
async def get_schema() -> dict[str, Any]:
    return {"version": orders.schema}


@app.post("/_admin/schema")
async def set_schema(choice: SchemaChoice) -> dict[str, Any]:
    orders.set_schema(choice.version)
    kit.log.info("event schema switched", version=choice.version)
    return {"version": orders.schema}
