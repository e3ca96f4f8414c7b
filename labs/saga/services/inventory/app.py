"""inventory: stock per SKU, reserved and released atomically and idempotently per order.

Stock lives in a small sqlite file under DATA_DIR, so a restarted inventory keeps it. Every
endpoint is `async` and does its reads and writes without awaiting in between: the event loop runs
one request at a time through that code, which makes `reserve` a true check-and-take (no other
request can slip between "is there enough?" and "take it"). That is the point of exercise 5.

API (all JSON):
- `PUT  /stock/{sku}`                 `{"available": n}` set the stock (restock; checks use it).
- `GET  /stock/{sku}`                 `{"sku", "available", "reserved", "low_water"}`; `low_water`
                                      is the lowest `available` ever seen since the last PUT, so
                                      an oversell (stock below zero) stays visible afterwards.
- `POST /stock/{sku}/adjust`          `{"delta": n}` warehouse correction: adds `delta`, with NO
                                      check of the level (a correction may be negative).
- `POST /reservations`                `{"order_id", "sku", "qty"}` -> 201 reserved, 200 already
                                      reserved for that order (nothing changes), 409 out of stock
                                      or already released.
- `POST /reservations/{order_id}/release`  -> 200; puts the units back once. Releasing an order
                                      that never reserved leaves a tombstone, so a reserve that
                                      arrives late (after its compensation) is refused.
- `GET  /reservations/{order_id}`, `GET /reservations?sku=`.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from inventory_db import Stock
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app
stock = Stock(kit.settings.data_path() / "inventory.db")


class SetStock(BaseModel):
    available: int = Field(ge=0)


class Adjust(BaseModel):
    delta: int


class Reserve(BaseModel):
    order_id: int
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(ge=1)


@app.put("/stock/{sku}")
async def set_stock(sku: str, body: SetStock) -> dict[str, Any]:
    return stock.set(sku, body.available)


@app.get("/stock/{sku}")
async def get_stock(sku: str) -> dict[str, Any]:
    return stock.level(sku)


@app.post("/stock/{sku}/adjust")
async def adjust(sku: str, body: Adjust) -> dict[str, Any]:
    return stock.adjust(sku, body.delta)


@app.post("/reservations")
async def reserve(body: Reserve) -> JSONResponse:
    outcome, reservation = stock.reserve(body.order_id, body.sku, body.qty)
    if outcome == "reserved":
        kit.log.info("reserved", order_id=body.order_id, sku=body.sku, qty=body.qty)
        return JSONResponse(reservation, status_code=201)
    if outcome == "again":
        return JSONResponse(reservation, status_code=200)
    if outcome == "mismatch":
        raise HTTPException(
            422, f"order {body.order_id} already reserved {reservation['qty']} x "
            f"{reservation['sku']}; a repeated reserve must send the same sku and qty",
        )
    reason = (
        f"order {body.order_id} was already released; it cannot reserve again"
        if outcome == "released" else f"only {reservation['available']} of {body.sku} left"
    )
    return JSONResponse({"error": outcome, "reason": reason, **reservation}, status_code=409)


@app.post("/reservations/{order_id}/release")
async def release(order_id: int) -> dict[str, Any]:
    outcome, reservation = stock.release(order_id)
    if outcome == "released":
        kit.log.info("released", order_id=order_id, qty=reservation["qty"])
    return reservation


@app.get("/reservations/{order_id}")
async def get_reservation(order_id: int) -> dict[str, Any]:
    found = stock.reservation(order_id)
    if found is None:
        raise HTTPException(404, f"no reservation for order {order_id}")
    return found


@app.get("/reservations")
async def list_reservations(sku: str | None = None) -> dict[str, Any]:
    return {"reservations": stock.reservations(sku)}
