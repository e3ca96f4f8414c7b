"""shipping: schedules one shipment per order — the saga's pivot.

Once a parcel is handed to the carrier it cannot be called back, so this service has no cancel:
after shipping succeeds the saga must complete. A repeated request for the same order returns the
shipment already scheduled (so retrying a timed-out ship is safe).

API (all JSON):
- `POST /shipments`  `{"order_id", "address"}` -> 201 scheduled, 200 already scheduled for that
                     order, 409 undeliverable (addresses ending in "Atlantis" are outside the
                     delivery area — try it by hand).
- `GET  /orders/{order_id}/shipment` -> the order's shipment or 404; `GET /shipments` -> all.
  (The lookup lives outside `/shipments` on purpose: a fault injected on the `/shipments` route
  slows or breaks scheduling, while looking a shipment up keeps working.)
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

db = sqlite3.connect(kit.settings.data_path() / "shipments.db", isolation_level=None,
                     check_same_thread=False)
db.row_factory = sqlite3.Row
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute(
    "CREATE TABLE IF NOT EXISTS shipments (order_id INTEGER PRIMARY KEY, address TEXT NOT NULL,"
    " tracking TEXT NOT NULL, at REAL NOT NULL)"
)


class Ship(BaseModel):
    order_id: int
    address: str = Field(min_length=1, max_length=200)


def _find(order_id: int) -> dict[str, Any] | None:
    row = db.execute("SELECT * FROM shipments WHERE order_id=?", (order_id,)).fetchone()
    return dict(row) if row else None


@app.post("/shipments")
async def ship(body: Ship) -> JSONResponse:
    existing = _find(body.order_id)
    if existing is not None:
        return JSONResponse(existing, status_code=200)
    if body.address.strip().lower().endswith("atlantis"):
        return JSONResponse(
            {"error": "undeliverable", "reason": f"we do not deliver to {body.address!r}"},
            status_code=409,
        )
    db.execute(
        "INSERT INTO shipments(order_id, address, tracking, at) VALUES (?, ?, ?, ?)",
        (body.order_id, body.address, f"TRK-{body.order_id:06d}", time.time()),
    )
    kit.log.info("shipment scheduled", order_id=body.order_id)
    return JSONResponse(_find(body.order_id), status_code=201)


@app.get("/orders/{order_id}/shipment")
async def get_shipment(order_id: int) -> dict[str, Any]:
    found = _find(order_id)
    if found is None:
        raise HTTPException(404, f"no shipment for order {order_id}")
    return found


@app.get("/shipments")
async def list_shipments() -> dict[str, Any]:
    return {"shipments": [dict(r) for r in db.execute("SELECT * FROM shipments ORDER BY order_id")]}
