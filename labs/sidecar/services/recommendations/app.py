"""recommendations: products to suggest to a customer (an upstream of the ambassador).

`GET /recommendations/{customer}` -> 200 `{"customer", "items": [...]}`; a customer whose name
starts with `ghost` is not known: 404 `{"error"}`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import HTTPException

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

CATALOGUE = ("kettle", "teapot", "mug", "grinder", "scale", "filter", "tray", "spoon")


@app.get("/recommendations/{customer}")
async def recommend(customer: str) -> dict[str, Any]:
    if customer.startswith("ghost"):
        raise HTTPException(404, f"no customer {customer}")
    seed = hashlib.sha256(customer.encode()).digest()
    return {"customer": customer, "items": [CATALOGUE[b % len(CATALOGUE)] for b in seed[:3]]}
