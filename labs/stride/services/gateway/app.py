"""gateway: the shop's intended entry. Your policy.py decides; this file does the plumbing.

For every request (any method, any path but the kit's own):
1. `claims = policy.authenticate(authorization_header, key, now)` (None: not authenticated);
2. `wait = policy.allow_rate(claims, client_ip, now)`: a number -> 429 with `Retry-After`;
3. `policy.authorize(claims, method, path)`: False -> 401 without claims, 403 with;
4. `policy.body_allowed(size)`: False -> 413; a body that is not JSON -> 400;
5. forward to identity (`/token`, `/users/...`) or orders (`/orders...`, `/admin/...`) with
   `policy.forwarded_headers(claims, request_id, key)`; a backend answer of 400 or more goes
   to the client as `policy.shape_error(status, backend_body, request_id)`;
6. publish `policy.audit_record(claims, method, path, status, request_id)` on `audit.request`
   (nothing when it returns None).
The gateway's own refusals are `{code, message, request_id}`. A request it cannot route is 404.
"""

from __future__ import annotations

import json
import math
import os
import time
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from workbench.servicekit import ServiceKit, current_request_id

kit = ServiceKit()
app = kit.app
policy = kit.learner_module(
    "policy",
    requires=["authenticate", "authorize", "allow_rate", "body_allowed", "shape_error",
              "audit_record", "forwarded_headers"],
)  # fmt: skip
kit.require_nats()

KEY = os.environ.get("SIGNING_KEY", "").encode()
HARD_BODY_CAP = 4 * 1024 * 1024
"""The gateway reads no more than this whatever the policy says: its own memory is at stake."""
ROUTES = (("/token", "identity"), ("/users/", "identity"), ("/orders", "orders"),
          ("/admin/", "orders"))  # fmt: skip
HOP_HEADERS = {"host", "content-length", "authorization", "connection", "transfer-encoding",
               "x-request-id", "traceparent"}  # fmt: skip
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def backend_for(path: str) -> str | None:
    for prefix, service in ROUTES:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return service
    return None


def refusal(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": current_request_id()}
    return JSONResponse(body, status_code=status, headers=headers or None)


async def read_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than the hard cap."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > HARD_BODY_CAP:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def publish_audit(claims: Any, method: str, path: str, status: int, rid: str) -> None:
    record = policy.audit_record(claims, method, path, status, rid)
    if record is None:
        return
    try:
        await kit.publish("audit.request", dict(record), msg_id=uuid.uuid4().hex)
    except Exception as exc:
        kit.log.warning("audit record not published", request_id=rid, error=repr(exc))


async def decide(request: Request, path: str) -> tuple[Response | None, Any, bytes]:
    """(refusal or None, claims, body)."""
    now = time.time()
    claims = policy.authenticate(request.headers.get("authorization"), KEY, now)
    client_ip = request.client.host if request.client else "unknown"
    wait = policy.allow_rate(claims, client_ip, now)
    if wait is not None:
        seconds = str(max(1, math.ceil(float(wait))))
        return refusal(429, "rate_limited", f"too many requests: retry in {seconds} s",
                       **{"Retry-After": seconds}), claims, b""  # fmt: skip
    if not policy.authorize(claims, request.method, path):
        if claims is None:
            return refusal(401, "unauthenticated", "a valid bearer token is needed"), claims, b""
        return refusal(403, "forbidden", "you may not do that"), claims, b""
    body = await read_body(request)
    if body is None or not policy.body_allowed(len(body)):
        return refusal(413, "too_large", "the request body is too large"), claims, b""
    if body:
        try:
            json.loads(body)
        except ValueError:
            return refusal(400, "bad_json", "the request body is not JSON"), claims, b""
    return None, claims, body


@app.api_route("/{path:path}", methods=METHODS)
async def entry(request: Request, path: str) -> Response:
    path = "/" + path
    rid = current_request_id()
    response: Response
    claims: Any = None
    backend = backend_for(path)
    if backend is None:
        response = refusal(404, "not_found", f"no route {path}")
    else:
        refused, claims, body = await decide(request, path)
        response = (
            refused
            if refused is not None
            else await forward(request, backend, path, claims, body, rid)
        )
    await publish_audit(claims, request.method, path, response.status_code, rid)
    return response


async def forward(request: Request, backend: str, path: str, claims: Any, body: bytes,
                  rid: str) -> Response:  # fmt: skip
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
    # The caller's own identity headers never pass: only what the policy forwards.
    headers = {k: v for k, v in headers.items() if not k.lower().startswith("x-")}
    headers.update({str(k): str(v) for k, v in policy.forwarded_headers(claims, rid, KEY).items()})
    try:
        answer = await kit.peer(backend).request(
            request.method, path, params=request.query_params, content=body, headers=headers
        )
    except Exception as exc:
        kit.log.warning("backend unreachable", backend=backend, error=repr(exc))
        return refusal(502, "backend_unreachable", "the shop could not answer; try again")
    if answer.status_code >= 400:
        shaped = policy.shape_error(answer.status_code, answer.content, rid)
        return JSONResponse(shaped, status_code=answer.status_code)
    return Response(answer.content, status_code=answer.status_code,
                    media_type=answer.headers.get("content-type", "application/json"))  # fmt: skip
