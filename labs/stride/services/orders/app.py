"""orders: customers' orders, behind the gateway (but reachable without it).

Who is asking comes only from `policy.verify_forwarded(headers, key)` (your policy.py): the
headers the gateway forwarded, checked with the shared key. None means "I cannot tell": 401.

API (JSON):
- `POST /orders` `{"items": [{"sku", "qty"}]}` -> 201 `{id, owner, items, count, address}`;
  the customer's address is copied from identity (`GET /users/{owner}`), a call lab.yaml does
  not declare. A malformed order (items not a list of {sku, qty}) fails inside, and the answer
  is the service's dev-mode 500: exception, traceback and its internal addresses.
- `GET /orders/{id}` -> the order when `policy.authorize(identity, "GET", path, owner=...)`
  allows it; 404 otherwise (and when there is none), so a stranger cannot tell which exist.
- `GET /admin/orders` -> every order, when `policy.authorize(identity, "GET", path)` allows it;
  403 otherwise.
"""

from __future__ import annotations

import os
import socket
import traceback
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from orders_db import Orders

from workbench.servicekit import ServiceKit, current_request_id

kit = ServiceKit()
app = kit.app
policy = kit.learner_module("policy", requires=["verify_forwarded", "authorize"])

KEY = os.environ.get("SIGNING_KEY", "").encode()
orders = Orders(kit.settings.data_path() / "orders.db")


def refused(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "request_id": current_request_id()},
        status_code=status,
    )


def who(request: Request) -> dict[str, Any] | None:
    identity = policy.verify_forwarded(dict(request.headers), KEY)
    return identity if isinstance(identity, dict) and identity.get("sub") else None


async def address_of(user: str) -> str | None:
    response = await kit.peer("identity").get(f"/users/{user}")
    return str(response.json().get("address")) if response.status_code == 200 else None


@app.post("/orders", status_code=201)
async def create(request: Request) -> Any:
    identity = who(request)
    if identity is None:
        return refused(401, "unauthenticated", "no identity the gateway vouched for")
    try:
        body = await request.json()
        items = [{"sku": str(item["sku"]), "qty": int(item["qty"])} for item in body["items"]]
        count = sum(item["qty"] for item in items)
        address = await address_of(str(identity["sub"]))
    except Exception as exc:
        # The dev-mode answer this lab leaves in on purpose: everything an attacker would like
        # to know about the inside (the gateway's shape_error is what keeps it in).
        return JSONResponse(
            {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc(),
             "host": f"{socket.gethostname()}:{kit.settings.port}",
             "identity_url": kit.settings.peer_url("identity"),
             "database": str(orders.path)},
            status_code=500,
        )  # fmt: skip
    return orders.add(str(identity["sub"]), items, count, address)


@app.get("/admin/orders")
async def every_order(request: Request) -> Any:
    identity = who(request)
    if identity is None:
        return refused(401, "unauthenticated", "no identity the gateway vouched for")
    if not policy.authorize(identity, "GET", "/admin/orders"):
        return refused(403, "forbidden", "admins only")
    return {"orders": orders.all()}


@app.get("/orders/{order_id}")
async def one_order(order_id: int, request: Request) -> Any:
    identity = who(request)
    if identity is None:
        return refused(401, "unauthenticated", "no identity the gateway vouched for")
    order = orders.get(order_id)
    if order is None or not policy.authorize(
        identity, "GET", f"/orders/{order_id}", owner=order["owner"]
    ):
        return refused(404, "not_found", f"no order {order_id}")
    return order
