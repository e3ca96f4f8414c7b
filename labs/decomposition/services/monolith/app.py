"""monolith: the body-leasing system as it runs today, one process, one model for everything.

Legacy contract (JSON), which its clients depend on and which must not change under them:
- `GET /freelancers` (`?skill=python`, `?q=part of a name`), `GET /freelancers/{id}`,
  `POST /freelancers`, `PUT /freelancers/{id}`: a freelancer is
  `{"id", "name", "email", "rate": "EUR 650.00", "skills": "python,sql", "available"}`.
- `GET /freelancer-reports`: days worked per freelancer, from the timesheets.
- `GET /customers`, `/projects`, `/timesheets`, `/invoices` and `/<those>/{id}`.
- `GET /migration/freelancers`: every freelancer, for the one-off copy into the new
  `freelancers` service at its start (kept apart so that the live routes' counts show only
  what clients asked for).
An unknown id is 404 `{"error": "no freelancer 77"}`; a body that breaks the contract is 422.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

RATE = re.compile(r"^[A-Z]{3} \d{1,7}\.\d{2}$")

FREELANCERS: dict[int, dict[str, Any]] = {
    f["id"]: f
    for f in [
        {
            "id": 1,
            "name": "Ada Lovelace",
            "email": "ada@example.org",
            "rate": "EUR 650.00",
            "skills": "python,sql",
            "available": True,
        },
        {
            "id": 2,
            "name": "Grace Hopper",
            "email": "grace@example.org",
            "rate": "EUR 720.50",
            "skills": "cobol,compilers",
            "available": False,
        },
        {
            "id": 3,
            "name": "Alan Turing",
            "email": "alan@example.org",
            "rate": "GBP 590.00",
            "skills": "python,cryptography",
            "available": True,
        },
        {
            "id": 4,
            "name": "Margaret Hamilton",
            "email": "margaret@example.org",
            "rate": "USD 810.25",
            "skills": "embedded,testing",
            "available": True,
        },
        {
            "id": 5,
            "name": "Edsger Dijkstra",
            "email": "edsger@example.org",
            "rate": "EUR 600.00",
            "skills": "algorithms",
            "available": False,
        },
        {
            "id": 6,
            "name": "Barbara Liskov",
            "email": "barbara@example.org",
            "rate": "EUR 700.00",
            "skills": "sql,distributed-systems,python",
            "available": True,
        },
    ]
}
CUSTOMERS = {
    1: {"id": 1, "name": "Nordwind Logistik GmbH", "city": "Hamburg", "contact": "J. Brandt"},
    2: {"id": 2, "name": "Ceres Insurance", "city": "Dublin", "contact": "M. Walsh"},
}
PROJECTS = {
    10: {"id": 10, "customer_id": 1, "title": "Route planner rewrite", "staffed": [1, 3]},
    11: {"id": 11, "customer_id": 2, "title": "Claims intake", "staffed": [4]},
}
TIMESHEETS = {
    100: {
        "id": 100,
        "project_id": 10,
        "freelancer_id": 1,
        "month": "2026-10",
        "days": 18,
        "state": "approved",
    },
    101: {
        "id": 101,
        "project_id": 10,
        "freelancer_id": 3,
        "month": "2026-10",
        "days": 12,
        "state": "approved",
    },
    102: {
        "id": 102,
        "project_id": 11,
        "freelancer_id": 4,
        "month": "2026-10",
        "days": 20,
        "state": "submitted",
    },
}
INVOICES = {
    1000: {
        "id": 1000,
        "customer_id": 1,
        "timesheet_id": 100,
        "total": "EUR 11700.00",
        "state": "issued",
    },
    1001: {
        "id": 1001,
        "customer_id": 1,
        "timesheet_id": 101,
        "total": "GBP 7080.00",
        "state": "paid",
    },
}
TABLES = {
    "customers": CUSTOMERS,
    "projects": PROJECTS,
    "timesheets": TIMESHEETS,
    "invoices": INVOICES,
}
_next_id = [max(FREELANCERS) + 1]


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise HTTPException(422, "the body is not JSON") from None


def _checked(body: Any, *, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise HTTPException(422, "a freelancer is a JSON object")
    fields = {"name": str, "email": str, "rate": str, "skills": str, "available": bool}
    unknown = sorted(set(body) - set(fields) - {"id"})
    if unknown:
        raise HTTPException(422, f"unknown fields {', '.join(unknown)}")
    for name, kind in fields.items():
        if name not in body:
            if not partial and name != "available":
                raise HTTPException(422, f"{name} is required")
            continue
        if not isinstance(body[name], kind):
            raise HTTPException(422, f"{name} must be a {kind.__name__}")
    if "rate" in body and not RATE.match(body["rate"]):
        raise HTTPException(422, "rate looks like 'EUR 650.00'")
    return {k: body[k] for k in fields if k in body}


@app.get("/freelancers")
async def list_freelancers(skill: str | None = None, q: str | None = None) -> list[dict[str, Any]]:
    found = sorted(FREELANCERS.values(), key=lambda f: f["id"])
    if skill:
        found = [f for f in found if skill in f["skills"].split(",")]
    if q:
        found = [f for f in found if q.lower() in f["name"].lower()]
    return found


@app.get("/freelancers/{fid}", response_model=None)
async def get_freelancer(fid: int) -> dict[str, Any] | JSONResponse:
    found = FREELANCERS.get(fid)
    return found if found is not None else _problem(404, f"no freelancer {fid}")


@app.post("/freelancers", status_code=201)
async def create_freelancer(request: Request) -> dict[str, Any]:
    fields = _checked(await _body(request), partial=False)
    fid = _next_id[0]
    _next_id[0] += 1
    FREELANCERS[fid] = {"id": fid, **fields, "available": fields.get("available", True)}
    return FREELANCERS[fid]


@app.put("/freelancers/{fid}", response_model=None)
async def update_freelancer(fid: int, request: Request) -> dict[str, Any] | JSONResponse:
    if fid not in FREELANCERS:
        return _problem(404, f"no freelancer {fid}")
    FREELANCERS[fid].update(_checked(await _body(request), partial=True))
    return FREELANCERS[fid]


@app.get("/freelancer-reports")
async def freelancer_reports() -> list[dict[str, Any]]:
    days: dict[int, int] = {}
    for sheet in TIMESHEETS.values():
        days[sheet["freelancer_id"]] = days.get(sheet["freelancer_id"], 0) + sheet["days"]
    return [
        {"freelancer_id": fid, "name": FREELANCERS[fid]["name"], "days_worked": n}
        for fid, n in sorted(days.items())
    ]


@app.get("/migration/freelancers")
async def export_freelancers() -> list[dict[str, Any]]:
    return sorted(FREELANCERS.values(), key=lambda f: f["id"])


def _table_routes(table: str) -> None:
    rows = TABLES[table]

    async def list_rows() -> list[dict[str, Any]]:
        return sorted(rows.values(), key=lambda r: r["id"])

    async def get_row(rid: int) -> dict[str, Any] | JSONResponse:
        found = rows.get(rid)
        return found if found is not None else _problem(404, f"no {table[:-1]} {rid}")

    app.add_api_route(f"/{table}", list_rows, methods=["GET"])
    app.add_api_route(f"/{table}/{{rid}}", get_row, methods=["GET"], response_model=None)


for _table in TABLES:
    _table_routes(_table)
