"""collector: the central log store. It keeps each line once, by its id, and remembers every
batch each id came in, so a shipper that sends a line twice is seen doing it.

API (JSON):
- `POST /lines` `[{"id", "text"}, ...]` (one batch) -> `{"received", "new"}`; 422 naming the
  first bad item.
- `GET /lines?contains=X` -> `{"lines": [{"id", "text", "times", "batches"}], "received_twice",
  "batches"}`: the lines whose text holds X (all without it), in the order they first arrived;
  `times` is how often the id was received, `batches` the batch numbers it came in;
  `received_twice` counts the ids received more than once.
Kept in DATA_DIR (lines.jsonl), so a restarted collector still has everything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Body, HTTPException

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

MAX_BATCH = 10_000


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[str, dict[str, Any]] = {}  # insertion order = first arrival
        self.batches = 0

    def load(self) -> None:
        if not self.path.exists():
            return
        for raw in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(raw)
            except ValueError:
                continue  # a record cut short by a kill: its batch was never acknowledged
            self._note(record["batch"], record["items"])

    def _note(self, batch: int, items: list[dict[str, str]]) -> int:
        self.batches = max(self.batches, batch)
        new = 0
        for item in items:
            known = self.lines.get(item["id"])
            if known is None:
                self.lines[item["id"]] = {"id": item["id"], "text": item["text"], "times": 1,
                                          "batches": [batch]}  # fmt: skip
                new += 1
            else:
                known["times"] += 1
                known["batches"].append(batch)
        return new

    def add(self, items: list[dict[str, str]]) -> int:
        batch = self.batches + 1
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"batch": batch, "items": items}) + "\n")
            out.flush()
        return self._note(batch, items)


store = Store(kit.settings.data_path() / "lines.jsonl")


@kit.on_startup
async def load() -> None:
    store.load()
    kit.log.info("lines loaded", lines=len(store.lines), batches=store.batches)


def _valid(body: Any) -> list[dict[str, str]]:
    if not isinstance(body, list):
        raise HTTPException(422, 'a batch is a JSON list of {"id", "text"} objects')
    if len(body) > MAX_BATCH:
        raise HTTPException(422, f"a batch holds at most {MAX_BATCH} lines, not {len(body)}")
    items = []
    for i, item in enumerate(body):
        if not isinstance(item, dict):
            raise HTTPException(422, f"item {i}: not an object")
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise HTTPException(422, f"item {i}: id must be a non-empty string")
        if not isinstance(item.get("text"), str):
            raise HTTPException(422, f"item {i}: text must be a string")
        items.append({"id": item["id"], "text": item["text"]})
    return items


@app.post("/lines")
async def receive(body: Any = Body(...)) -> dict[str, Any]:  # noqa: B008 - FastAPI's way
    items = _valid(body)
    new = store.add(items) if items else 0
    return {"received": len(items), "new": new}


@app.get("/lines")
async def lines(contains: str = "") -> dict[str, Any]:
    found = [dict(line, batches=list(line["batches"])) for line in store.lines.values()
             if contains in line["text"]]  # fmt: skip
    return {"lines": found, "received_twice": sum(1 for line in found if line["times"] > 1),
            "batches": store.batches}  # fmt: skip
