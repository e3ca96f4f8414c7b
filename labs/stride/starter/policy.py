"""The shop's security policy: the gateway and orders call these functions (see the exercises).

Tokens are JWTs signed with HS256 by identity: `base64url(header).base64url(claims).
base64url(HMAC-SHA256(key, header.claims))`, claims `{sub, role, exp, iss}`.

Today's policy is the one most shops start with: it reads tokens without checking them, lets
every signed-in caller do anything, and trusts whatever identity headers it is handed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# -- S: who is calling? ---------------------------------------------------------------------------


def authenticate(authorization: str | None, key: bytes, now: float) -> dict[str, Any] | None:
    """The token's claims when the header holds a genuine, current token; None otherwise."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    # TODO (exercise 3): check the header's alg, the signature (hmac.compare_digest), the
    # issuer and the expiry before believing a single claim; never raise on garbage.
    claims = json.loads(_unb64(authorization.split(" ", 1)[1].split(".")[1]))
    return claims if isinstance(claims, dict) else None


# -- E and I: what may they do? -------------------------------------------------------------------


def authorize(
    claims: Mapping[str, Any] | None, method: str, path: str, owner: str | None = None
) -> bool:
    """Whether `claims` may `method` `path` (for orders: an order of `owner`)."""
    if path == "/token" and method == "POST":
        return True
    # TODO (exercise 3): /admin is for admins. TODO (exercise 4): an order is its owner's.
    return claims is not None


# -- D: how much? ---------------------------------------------------------------------------------


def allow_rate(claims: Mapping[str, Any] | None, client_ip: str, now: float) -> float | None:
    """None when this request may go on; else the seconds until the client may try again."""
    # TODO (exercise 4): a token bucket per client, so that one cannot starve the others.
    return None


def body_allowed(size: int) -> bool:
    # TODO (exercise 4): at most 64 KiB.
    return True


# -- I: what do errors say? -----------------------------------------------------------------------


def shape_error(status: int, body: bytes, request_id: str) -> dict[str, Any]:
    """What the client sees of a backend's error."""
    # TODO (exercise 4): {code, message, request_id} only: never the backend's own body.
    try:
        found = json.loads(body)
    except ValueError:
        found = {"error": body.decode(errors="replace")}
    return found if isinstance(found, dict) else {"error": found}


# -- R: who did what? -----------------------------------------------------------------------------


def audit_record(
    claims: Mapping[str, Any] | None, method: str, path: str, status: int, request_id: str
) -> dict[str, Any] | None:
    """The audit record of one request (None: no record)."""
    # TODO (exercise 4): {subject (or "anonymous"), method, path, status, request_id} for every
    # request, refused ones too.
    return None


# -- S across the inside: the forwarded identity --------------------------------------------------


def forwarded_headers(
    claims: Mapping[str, Any] | None, request_id: str, key: bytes
) -> dict[str, str]:
    """Headers that tell orders who is asking."""
    if not claims:
        return {}
    # TODO (exercise 3): sign user, role and request id with the key, so nobody else can.
    return {"X-User": str(claims.get("sub")), "X-Role": str(claims.get("role"))}


def verify_forwarded(headers: Mapping[str, str], key: bytes) -> dict[str, Any] | None:
    """The identity the gateway forwarded ({sub, role}); None when there is none."""
    lower = {k.lower(): v for k, v in headers.items()}
    # TODO (exercise 3): believe only headers whose signature you recomputed.
    if not lower.get("x-user"):
        return None
    return {"sub": lower["x-user"], "role": lower.get("x-role", "customer")}
