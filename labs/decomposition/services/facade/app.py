"""facade: the strangler fig's front door. Every client request comes here; the learner's
`strangler.py` says which backend serves it (`route(method, path)`), and its anti-corruption
layer translates bodies between the legacy contract and the new model (`to_new` on the way to
`freelancers`, `to_legacy` on the way back). Calls go through `kit.peer`, so each one is counted
in `/_admin/stats` and drawn by `workbench graph decomposition --live`.

- `route()` answering a name that is not a backend: 502 naming what it returned.
- `strangler.py` raising: 500 naming `strangler.py:line` (the kit's error answer).
- A backend down: 502 naming it (the facade never serves a request from the other one).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app
strangler = kit.learner_module("strangler", requires=["route", "to_legacy", "to_new"])

BACKENDS = ("monolith", "freelancers")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _legacy(data: Any) -> Any:
    if isinstance(data, list):
        return [strangler.to_legacy(item) for item in data]
    return strangler.to_legacy(data)


@app.api_route("/{path:path}", methods=METHODS, response_model=None)
async def forward(path: str, request: Request) -> Response:
    full = "/" + path
    target = strangler.route(request.method, full)
    if target not in BACKENDS:
        return JSONResponse(
            {
                "error": f"route() returned {target!r}: not a service of this lab",
                "services": list(BACKENDS),
            },
            status_code=502,
        )
    body = await request.body()
    if target == "freelancers" and body:
        try:
            legacy = json.loads(body)
        except ValueError:
            legacy = None  # not JSON: passed on as it came, for the service to refuse
        if legacy is not None:
            body = json.dumps(strangler.to_new(legacy)).encode()
    try:
        answer = await kit.peer(target).request(
            request.method,
            full,
            params=request.query_params,
            content=body or None,
            headers={"content-type": "application/json"} if body else None,
        )
    except httpx.HTTPError as exc:
        return JSONResponse(
            {"error": f"{target} did not answer: {type(exc).__name__}"}, status_code=502
        )
    if target == "freelancers" and answer.is_success and answer.content:
        return JSONResponse(_legacy(answer.json()), status_code=answer.status_code)
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )
