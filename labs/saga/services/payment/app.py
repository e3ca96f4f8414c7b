"""payment: charges and refunds with idempotency keys, credit limits, and a ledger to audit.

API (all JSON):
- `POST /charges`  `{"order_id", "customer", "amount_cents"}`, header `Idempotency-Key`
                   -> 201 charged; 200 the same answer again for a key seen before (nothing new
                   happens, a stored decline stays a decline); 402 declined (over the credit
                   limit); 422 key reused for a different request. WITHOUT a key every request
                   is a new charge, exactly like a card terminal.
- `POST /refunds`  same body and key rules -> 201 refunded / 200 replay. A refund is a credit:
                   payment does not look up the charge, it trusts the caller.
- `GET  /ledger?order_id=&customer=`  `{"entries": [...], "charged_cents", "refunded_cents",
                   "net_cents"}`; an entry is `{id, kind, order_id, customer, amount_cents,
                   idempotency_key, at}`.
- `PUT  /customers/{customer}`  `{"credit_limit_cents": n}`; `GET /customers/{customer}`.
Credit: a charge is declined when the customer's balance (charges - refunds) plus the amount
would exceed the limit (default DEFAULT_CREDIT_LIMIT_CENTS, 1,000,000 cents).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from fastapi import Header
from fastapi.responses import JSONResponse
from payment_db import Ledger, request_hash
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app
ledger = Ledger(
    kit.settings.data_path() / "ledger.db",
    int(os.environ.get("DEFAULT_CREDIT_LIMIT_CENTS", "1000000")),
)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


class Money(BaseModel):
    order_id: int
    customer: str = Field(min_length=1, max_length=100)
    amount_cents: int = Field(ge=0)


class Limit(BaseModel):
    credit_limit_cents: int = Field(ge=0)


@app.post("/charges")
async def charge(body: Money, key: IdempotencyKey = None) -> JSONResponse:
    status, answer = ledger.charge(
        key, request_hash("charge", body.model_dump()), body.order_id, body.customer,
        body.amount_cents,
    )
    kit.log.info("charge", order_id=body.order_id, status=status, key=key)
    return JSONResponse(answer, status_code=status)


@app.post("/refunds")
async def refund(body: Money, key: IdempotencyKey = None) -> JSONResponse:
    status, answer = ledger.refund(
        key, request_hash("refund", body.model_dump()), body.order_id, body.customer,
        body.amount_cents,
    )
    kit.log.info("refund", order_id=body.order_id, status=status, key=key)
    return JSONResponse(answer, status_code=status)


@app.get("/ledger")
async def get_ledger(order_id: int | None = None, customer: str | None = None) -> dict[str, Any]:
    entries = ledger.entries(order_id, customer)
    charged = sum(e["amount_cents"] for e in entries if e["kind"] == "charge")
    refunded = sum(e["amount_cents"] for e in entries if e["kind"] == "refund")
    return {"entries": entries, "charged_cents": charged, "refunded_cents": refunded,
            "net_cents": charged - refunded}


@app.put("/customers/{customer}")
async def set_customer(customer: str, body: Limit) -> dict[str, Any]:
    return ledger.set_limit(customer, body.credit_limit_cents)


@app.get("/customers/{customer}")
async def get_customer(customer: str) -> dict[str, Any]:
    return ledger.customer(customer)
