"""order: takes orders and runs the learner's checkout saga (`checkout.py` in the workspace).

The service owns the order state machine and the durable saga log (sqlite under DATA_DIR); the
learner's orchestrator decides the steps. `POST /orders` stores a PENDING order and answers 202
at once; the saga runs in the background (`checkout.run(saga)`). When the service starts, every
saga that had not returned when the process stopped (a crash, a kill) is handed to
`checkout.resume(saga)` — whatever the order's status: that is how a saga survives a crash.

API (all JSON):
- `POST /orders` `{"customer", "sku", "qty", "amount_cents", "address"?}`, optional header
  `Idempotency-Key` (the same key returns the same order) -> 202 the order.
- `GET /orders?status=&ids=1,2,3`, `GET /orders/{id}` -> `{id, customer, sku, qty,
  amount_cents, address, status, reason, error, saga_open, created_at, deadline_at,
  updated_at}`; `error` is the exception that stopped checkout.py (or why the saga ended with the
  order still PENDING); `saga_open` is true while run()/resume() has not returned.
- `GET /orders/{id}/saga` -> the order and its saga log.
- Crash points (the service kit's): `POST /_admin/crash` `{"point": "<step>", "key": <order id>
  | null, "mode": "exit"|"hold"}` makes the service die (or park that saga) right after that
  step's answer comes back; `GET`/`DELETE /_admin/crash` list / clear them. The points are the
  steps (`saga_blocks.CRASH_POINTS`): a crash there hurts most, as the step happened but the
  orchestrator never learnt it.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from typing import Annotated, Any

from fastapi import Header, HTTPException
from fastapi.responses import JSONResponse
from order_db import PENDING, Orders
from pydantic import BaseModel, Field
from saga_blocks import CRASH_POINTS, Saga, StepCaller

from workbench.servicekit import ServiceKit
from workbench.servicekit.context import bound, new_trace
from workbench.servicekit.learner import where_in

kit = ServiceKit()
app = kit.app
checkout = kit.learner_module("checkout", requires=["run"])
kit.require_nats()
kit.declare_crash_points(*CRASH_POINTS)

orders = Orders(
    kit.settings.data_path() / "orders.db", float(os.environ.get("SAGA_DEADLINE_S", "6"))
)
call_step = StepCaller(
    kit.peer, float(os.environ.get("STEP_TIMEOUT_S", "1.0")), kit.log, kit.crash_point
)
# Running sagas: the event loop keeps only weak references to tasks.
_running: set[asyncio.Task[None]] = set()


class NewOrder(BaseModel):
    customer: str = Field(min_length=1, max_length=100)
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(ge=1, le=1000)
    amount_cents: int = Field(ge=0)
    address: str = Field(default="1 Main Street, Springfield", min_length=1, max_length=200)


def saga_for(order: dict[str, Any]) -> Saga:
    return Saga(order, orders, call_step, kit.publish, kit.log)


async def drive(order_id: int, entry: str) -> None:
    """Run `checkout.<entry>(saga)`, then close the saga and say why if it is left PENDING."""
    order = orders.get(order_id)
    if order is None:
        return
    try:
        await _call_learner(order, entry)
    finally:
        # Reached on return and on exception; only a dead process leaves the saga open.
        orders.close_saga(order_id)


async def _call_learner(order: dict[str, Any], entry: str) -> None:
    order_id = int(order["id"])
    try:
        function = getattr(checkout, entry)
        result = function(saga_for(order))
        if inspect.isawaitable(result):
            await result
    except Exception as exc:
        where = where_in(kit.settings.workspace, exc.__traceback__)
        problem = f"{type(exc).__name__}: {exc}" + (f" (checkout at {where})" if where else "")
        kit.log.exception("saga stopped by an exception", order_id=order_id, entry=entry,
                          where=where)
        # Kept on the order whatever its status: an exception after approve() is a bug too.
        orders.set_error(order_id, problem)
        return
    current = orders.get(order_id)
    if current is not None and current["status"] == PENDING:
        orders.set_error(
            order_id, f"{entry}() returned but the order is still PENDING: end every saga with "
            "saga.approve() or saga.reject(reason)",
        )


def start(order_id: int, entry: str) -> None:
    task = asyncio.get_running_loop().create_task(drive(order_id, entry), name=f"saga {order_id}")
    _running.add(task)
    task.add_done_callback(_running.discard)


@kit.on_startup
async def resume_pending() -> None:
    """Hand every saga a crash interrupted back to the learner's `resume`."""
    pending = orders.open_sagas()
    if not pending:
        return
    try:
        has_resume = hasattr(checkout, "resume")
    except Exception:
        has_resume = False  # a broken checkout.py: /ready already reports it
    if not has_resume:
        kit.log.warning("interrupted sagas but checkout.py has no resume(saga)",
                        orders=[o["id"] for o in pending])
        return
    kit.log.info("resuming interrupted sagas", orders=[o["id"] for o in pending])
    for order in pending:
        with bound(new_trace()):
            start(int(order["id"]), "resume")


@app.post("/orders", status_code=202)
async def create_order(
    new: NewOrder, key: Annotated[str | None, Header(alias="Idempotency-Key")] = None
) -> JSONResponse:
    order, created = orders.create(new.model_dump(), key)
    if created:
        kit.log.info("order created", order_id=order["id"])
        start(int(order["id"]), "run")
    return JSONResponse(order, status_code=202 if created else 200)


@app.get("/orders")
async def list_orders(status: str | None = None, ids: str | None = None) -> dict[str, Any]:
    try:
        wanted = [int(i) for i in ids.split(",") if i.strip()] if ids else None
    except ValueError:
        raise HTTPException(422, "ids must be a comma-separated list of order ids") from None
    return {"orders": orders.list(status=status, ids=wanted)}


@app.get("/orders/{order_id}")
async def get_order(order_id: int) -> dict[str, Any]:
    order = orders.get(order_id)
    if order is None:
        raise HTTPException(404, f"no order {order_id}")
    return order


@app.get("/orders/{order_id}/saga")
async def get_saga(order_id: int) -> dict[str, Any]:
    order = orders.get(order_id)
    if order is None:
        raise HTTPException(404, f"no order {order_id}")
    return {"order": order, "log": orders.log_entries(order_id)}
