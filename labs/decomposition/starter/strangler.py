"""The strangler facade's rules: which backend serves a request, and the anti-corruption layer
between the monolith's contract and the freelancers service's model.

Legacy (what clients know):  {"rate": "EUR 650.00", "skills": "python,sql", ...}
New (freelancers service):   {"rate_cents": 65000, "currency": "EUR",
                              "skills": ["python", "sql"], ...}
"""

from __future__ import annotations

from typing import Any


def route(method: str, path: str) -> str:
    """'freelancers' for the capability already moved, 'monolith' for everything else."""
    # TODO(strangler): send every /freelancers request (list, search, read, create, update) to
    # the new service, and only those: /freelancer-reports still lives in the monolith.
    return "monolith"


def to_new(body: Any) -> Any:
    """A legacy request body, as the freelancers service wants it."""
    # TODO(strangler): "EUR 650.00" -> currency "EUR", rate_cents 65000; "python,sql" -> a list.
    return body


def to_legacy(body: Any) -> Any:
    """A freelancer of the new model, as legacy clients have always received it."""
    # TODO(strangler): the reverse, so that no client ever sees rate_cents, currency or a list.
    return body
