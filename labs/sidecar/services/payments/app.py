"""payments: takes payments and keeps a ledger (an upstream of the ambassador).

- `POST /payments` `{"reference", "amount_cents"}`, header `Idempotency-Key` -> 201
  `{"payment_id", "reference", "amount_cents", "key"}`; the same key again -> 200 the same
  answer, nothing paid (the ledger entry counts the `repeats`); the key with another body -> 422.
  WITHOUT a key every request is a new payment.
- `GET /ledger?reference=R` -> `{"payments": [...]}` (all without `reference`).
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from fastapi import Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
LEDGER: list[dict[str, Any]] = []
BY_KEY: dict[str, dict[str, Any]] = {}
NEXT_ID = itertools.count(1)


class Payment(BaseModel):
    reference: str = Field(min_length=1, max_length=200)
    amount_cents: int = Field(gt=0)


@app.post("/payments")
async def pay(body: Payment, key: IdempotencyKey = None) -> JSONResponse:
    # No await between the look-up and the insert: two tries with one key cannot both pay.
    if key is not None and key in BY_KEY:
        entry = BY_KEY[key]
        if (entry["reference"], entry["amount_cents"]) != (body.reference, body.amount_cents):
            raise HTTPException(422, f"Idempotency-Key {key} was used for another payment")
        entry["repeats"] += 1
        return JSONResponse(_public(entry), status_code=200)
    entry = {"payment_id": next(NEXT_ID), "reference": body.reference,
             "amount_cents": body.amount_cents, "key": key, "repeats": 0}  # fmt: skip
    LEDGER.append(entry)
    if key is not None:
        BY_KEY[key] = entry
    kit.log.info("payment", reference=body.reference, key=key)
    return JSONResponse(_public(entry), status_code=201)


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("payment_id", "reference", "amount_cents", "key")}


@app.get("/ledger")
async def ledger(reference: str | None = None) -> dict[str, Any]:
    return {"payments": [dict(e) for e in LEDGER if reference in (None, e["reference"])]}
