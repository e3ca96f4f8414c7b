"""The strangler facade's rules: which backend serves a request, and the anti-corruption layer
between the monolith's contract and the freelancers service's model.

Legacy (what clients know):  {"rate": "EUR 650.00", "skills": "python,sql", ...}
New (freelancers service):   {"rate_cents": 65000, "currency": "EUR",
                              "skills": ["python", "sql"], ...}
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def route(method: str, path: str) -> str:
    """'freelancers' for the capability already moved, 'monolith' for everything else."""
    # Only the /freelancers resource moved: /freelancer-reports still lives in the monolith.
    if path == "/freelancers" or path.startswith("/freelancers/"):
        return "freelancers"
    return "monolith"


def to_new(body: Any) -> Any:
    """A legacy request body, as the freelancers service wants it."""
    if not isinstance(body, dict):
        return body
    out = {k: v for k, v in body.items() if k not in ("rate", "skills")}
    if "rate" in body:
        currency, amount = str(body["rate"]).split()
        out["currency"] = currency
        out["rate_cents"] = int(Decimal(amount) * 100)
    if "skills" in body:
        out["skills"] = [s for s in str(body["skills"]).split(",") if s]
    return out


def to_legacy(body: Any) -> Any:
    """A freelancer of the new model, as legacy clients have always received it."""
    if not isinstance(body, dict):
        return body
    out = {k: v for k, v in body.items() if k not in ("rate_cents", "currency", "skills")}
    if "rate_cents" in body:
        cents = int(body["rate_cents"])
        out["rate"] = f"{body['currency']} {cents // 100}.{cents % 100:02d}"
    if "skills" in body:
        out["skills"] = ",".join(body["skills"])
    return out
