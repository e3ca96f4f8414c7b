"""freelancers: the freelancer capability strangled out of the monolith, in its new model.

New model (JSON): `{"id", "name", "email", "rate_cents": 65000, "currency": "EUR",
"skills": ["python", "sql"], "available"}`. Routes: `GET /freelancers` (`?skill=`, `?q=`),
`GET /freelancers/{id}`, `POST /freelancers` (201), `PUT /freelancers/{id}` (the fields given).
An unknown id is 404 `{"error": "no freelancer 77"}`, as in the monolith.

Its own store (sqlite) is filled once, at start, from the monolith's migration export, turned
into the new model here; freelancers created later get ids from 1000 up, clear of the monolith's.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from decimal import Decimal
from typing import Any

import httpx
from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

FIRST_NEW_ID = 1000
FIELDS = {
    "name": str,
    "email": str,
    "rate_cents": int,
    "currency": str,
    "skills": list,
    "available": bool,
}

db = sqlite3.connect(
    kit.settings.data_path() / "freelancers.db", isolation_level=None, check_same_thread=False
)
db.execute("CREATE TABLE IF NOT EXISTS freelancers (id INTEGER PRIMARY KEY, doc TEXT NOT NULL)")
_seeded = asyncio.Event()
_tasks: set[asyncio.Task[None]] = set()  # a reference to the copy while it runs


def _save(record: dict[str, Any]) -> dict[str, Any]:
    db.execute(
        "INSERT OR REPLACE INTO freelancers(id, doc) VALUES (?, ?)",
        (record["id"], json.dumps(record)),
    )
    return record


def _get(fid: int) -> dict[str, Any] | None:
    row = db.execute("SELECT doc FROM freelancers WHERE id=?", (fid,)).fetchone()
    return json.loads(row[0]) if row else None


def _from_legacy(old: dict[str, Any]) -> dict[str, Any]:
    # The migration's own mapping (the facade's ACL maps live requests; this maps the copy).
    currency, amount = str(old["rate"]).split()
    return {
        "id": int(old["id"]),
        "name": old["name"],
        "email": old["email"],
        "rate_cents": int(Decimal(amount) * 100),
        "currency": currency,
        "skills": [s for s in str(old["skills"]).split(",") if s],
        "available": bool(old.get("available", True)),
    }


@kit.on_startup
async def seed() -> None:
    async def copy() -> None:
        while True:
            try:
                response = await kit.peer("monolith").get("/migration/freelancers")
                response.raise_for_status()
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
        for old in response.json():
            if _get(int(old["id"])) is None:
                _save(_from_legacy(old))
        _seeded.set()

    task = asyncio.create_task(copy())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


@kit.readiness_check
async def seeded() -> str | None:
    return None if _seeded.is_set() else "copying the monolith's freelancers"


async def _body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise HTTPException(422, "the body is not JSON") from None


def _checked(body: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HTTPException(422, "a freelancer is a JSON object")
    unknown = sorted(set(body) - set(FIELDS) - {"id"})
    if unknown:
        raise HTTPException(
            422,
            f"unknown fields {', '.join(unknown)} (this is the new model: "
            "rate_cents, currency, skills as a list)",
        )
    for name, kind in FIELDS.items():
        if name not in body:
            if not partial and name != "available":
                raise HTTPException(422, f"{name} is required")
            continue
        if not isinstance(body[name], kind) or (kind is int and isinstance(body[name], bool)):
            raise HTTPException(422, f"{name} must be a {kind.__name__}")
    if "currency" in body and not re.fullmatch(r"[A-Z]{3}", body["currency"]):
        raise HTTPException(422, "currency is three capital letters, like EUR")
    if "skills" in body and not all(isinstance(s, str) for s in body["skills"]):
        raise HTTPException(422, "skills is a list of strings")
    return {k: body[k] for k in FIELDS if k in body}


@app.get("/freelancers")
async def list_freelancers(skill: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
    found = [json.loads(r[0]) for r in db.execute("SELECT doc FROM freelancers ORDER BY id")]
    if skill:
        found = [f for f in found if skill in f["skills"]]
    if q:
        found = [f for f in found if q.lower() in f["name"].lower()]
    return found


@app.get("/freelancers/{fid}", response_model=None)
async def get_freelancer(fid: int) -> dict[str, Any] | JSONResponse:
    found = _get(fid)
    if found is None:
        return JSONResponse({"error": f"no freelancer {fid}"}, status_code=404)
    return found


@app.post("/freelancers", status_code=201)
async def create_freelancer(request: Request) -> dict[str, Any]:
    fields = _checked(await _body(request), partial=False)
    top = db.execute("SELECT MAX(id) FROM freelancers").fetchone()[0] or 0
    fid = max(FIRST_NEW_ID, top + 1)
    return _save({"id": fid, **fields, "available": fields.get("available", True)})


@app.put("/freelancers/{fid}", response_model=None)
async def update_freelancer(fid: int, request: Request) -> dict[str, Any] | JSONResponse:
    found = _get(fid)
    if found is None:
        return JSONResponse({"error": f"no freelancer {fid}"}, status_code=404)
    found.update(_checked(await _body(request), partial=True))
    return _save(found)
