"""The shop's security policy: the gateway and orders call these functions (see the exercises).

Tokens are JWTs signed with HS256 by identity: `base64url(header).base64url(claims).
base64url(HMAC-SHA256(key, header.claims))`, claims `{sub, role, exp, iss}`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

ISSUER = "identity"
RATE_PER_S = 10.0
BURST = 30
MAX_BODY_BYTES = 64 * 1024
ORDER_PATH = re.compile(r"^/orders/\d+$")

_buckets: dict[str, tuple[float, float]] = {}
"""client -> (tokens left, when last refilled): one token bucket per client."""


def _unb64(part: str) -> bytes:
    # Padding beyond what is missing is ignored by the decoder: "==" always suffices.
    return base64.urlsafe_b64decode(part + "==")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode(), hashlib.sha256).digest())


# -- S: who is calling? ---------------------------------------------------------------------------


def authenticate(authorization: str | None, key: bytes, now: float) -> dict[str, Any] | None:
    """The token's claims when the header holds a genuine, current token; None otherwise."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or token.count(".") != 2:
        return None
    header_part, claims_part, signature = token.strip().split(".")
    try:
        header = json.loads(_unb64(header_part))
        claims = json.loads(_unb64(claims_part))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        return None  # `none`, or any algorithm the key was not meant for
    if not hmac.compare_digest(_sign(key, f"{header_part}.{claims_part}"), signature):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != ISSUER:
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp <= now:
        return None
    return claims


# -- E and I: what may they do? -------------------------------------------------------------------


def authorize(
    claims: Mapping[str, Any] | None, method: str, path: str, owner: str | None = None
) -> bool:
    """Whether `claims` may `method` `path` (for orders: an order of `owner`)."""
    if path == "/token" and method == "POST":
        return True
    if claims is None:
        return False
    admin = claims.get("role") == "admin"
    if path.startswith("/admin"):
        return admin
    if owner is not None:
        return admin or claims.get("sub") == owner
    if path.startswith("/users/"):
        return admin or path == f"/users/{claims.get('sub')}"
    return path in ("/orders",) or bool(ORDER_PATH.match(path))


# -- D: how much? ---------------------------------------------------------------------------------


def allow_rate(claims: Mapping[str, Any] | None, client_ip: str, now: float) -> float | None:
    """None when this request may go on; else the seconds until the client may try again."""
    client = f"user:{claims['sub']}" if claims else f"ip:{client_ip}"
    tokens, last = _buckets.get(client, (float(BURST), now))
    tokens = min(float(BURST), tokens + (now - last) * RATE_PER_S)
    if tokens < 1.0:
        _buckets[client] = (tokens, now)
        return (1.0 - tokens) / RATE_PER_S
    _buckets[client] = (tokens - 1.0, now)
    return None


def body_allowed(size: int) -> bool:
    return size <= MAX_BODY_BYTES


# -- I: what do errors say? -----------------------------------------------------------------------

def shape_error(status: int, body: bytes, request_id: str) -> dict[str, Any]:
    """What the client sees of a backend's error: a code, a plain message, the request id."""
    return {"code": f"http_{status}", "message": "the shop could not do that",
            "request_id": request_id}  # fmt: skip


# -- R: who did what? -----------------------------------------------------------------------------


def audit_record(
    claims: Mapping[str, Any] | None, method: str, path: str, status: int, request_id: str
) -> dict[str, Any] | None:
    """One record per request, refused ones too."""
    subject = str(claims["sub"]) if claims else "anonymous"
    return {"subject": subject, "method": method, "path": path, "status": status,
            "request_id": request_id}  # fmt: skip


# -- S across the inside: the forwarded identity --------------------------------------------------


def _forward_mac(key: bytes, user: str, role: str, request_id: str) -> str:
    return _sign(key, f"{user}\n{role}\n{request_id}")


def forwarded_headers(
    claims: Mapping[str, Any] | None, request_id: str, key: bytes
) -> dict[str, str]:
    """Headers that tell orders who is asking, signed so that nobody else can make them."""
    if not claims:
        return {}
    user, role = str(claims["sub"]), str(claims["role"])
    return {"X-User": user, "X-Role": role, "X-Request-ID": request_id,
            "X-Identity-Signature": _forward_mac(key, user, role, request_id)}  # fmt: skip


def verify_forwarded(headers: Mapping[str, str], key: bytes) -> dict[str, Any] | None:
    """The identity in headers the gateway made ({sub, role}); None for anything else."""
    lower = {k.lower(): v for k, v in headers.items()}
    user, role = lower.get("x-user"), lower.get("x-role")
    request_id, signature = lower.get("x-request-id"), lower.get("x-identity-signature")
    if not (user and role and request_id and signature):
        return None
    if not hmac.compare_digest(_forward_mac(key, user, role, request_id), signature):
        return None
    return {"sub": user, "role": role}
