"""identity: signs the shop's access tokens and keeps its users (with their addresses).

API (JSON):
- `POST /token` `{"username", "password"}` -> 200 `{"access_token", "token_type": "bearer",
  "expires_in"}`; 401 `{"code": "bad_credentials", ...}` otherwise. The token is a JWT signed
  with HS256 (stdlib `hmac`: the image has no JWT library): header `{"alg": "HS256", "typ":
  "JWT"}`, claims `{"sub", "role", "exp", "iss": "identity"}`.
- `GET /users/{id}` -> `{"id", "name", "role", "address"}` (personal data); 404 for no such user.
  It trusts its caller: only the gateway and orders should ever reach it.

The key is `SIGNING_KEY`, which the gateway and orders hold too (the lab's shared-secret risk).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit, current_request_id

kit = ServiceKit()
app = kit.app

KEY = os.environ.get("SIGNING_KEY", "").encode()
TTL_S = int(os.environ.get("TOKEN_TTL_S", "300"))
ISSUER = "identity"

USERS: dict[str, dict[str, str]] = {
    "alice": {"password": "wonderland", "role": "customer", "name": "Alice Liddell",
              "address": "12 Rabbit Hole Lane, Oxford"},
    "bob": {"password": "builder", "role": "customer", "name": "Bob Mason",
            "address": "3 Scaffold Row, Leeds"},
    "carol": {"password": "admin-carol", "role": "admin", "name": "Carol Keyes",
              "address": "1 Root Street, York"},
}  # fmt: skip


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict[str, Any], key: bytes = KEY) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


@app.post("/token")
async def token(credentials: Credentials) -> Any:
    user = USERS.get(credentials.username)
    if user is None or not hmac.compare_digest(user["password"], credentials.password):
        return JSONResponse(
            {"code": "bad_credentials", "message": "unknown user or wrong password",
             "request_id": current_request_id()},
            status_code=401,
        )  # fmt: skip
    claims = {"sub": credentials.username, "role": user["role"],
              "exp": int(time.time()) + TTL_S, "iss": ISSUER}  # fmt: skip
    kit.log.info("token issued", sub=credentials.username, role=user["role"])
    return {"access_token": sign(claims), "token_type": "bearer", "expires_in": TTL_S}


@app.get("/users/{user_id}")
async def user(user_id: str) -> dict[str, str]:
    found = USERS.get(user_id)
    if found is None:
        raise HTTPException(404, f"no user {user_id!r}")
    return {"id": user_id, "name": found["name"], "role": found["role"],
            "address": found["address"]}  # fmt: skip
