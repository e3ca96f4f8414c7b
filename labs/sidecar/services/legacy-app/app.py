"""legacy-app: the application nobody may change.

It appends one line to `app.log` (volume `app-logs`) for every request it serves, and calls its
dependencies only through `AMBASSADOR_URL` (its ambassador, on its own loopback) with no timeout
and no retry: whatever the ambassador answers, the app answers too, headers included.

API (JSON):
- `GET /recommendations/{customer}` -> the ambassador's answer to the same call.
- `POST /payments` `{"reference", "amount_cents"}`, optional `Idempotency-Key` -> the same.
- `POST /_admin/write` `{"n": 3, "text": "marker"}` appends n lines ending in `text #i`;
  `{"lines": [...]}` those lines; `{"tail": "abc"}` the start of a line, no newline yet (the next
  write finishes it); `{"raw_hex": "ff0a"}` raw bytes. -> `{"lines": [every line completed]}`.
- `POST /_admin/rotate` -> app.log becomes app.log.1 (replacing the older one), a new app.log.
- `GET /_admin/files` -> every file in the volume, each `{name, size, intact}`: intact when it
  holds exactly the bytes the app wrote (kept beside, in DATA_DIR); `unexpected`: files the app
  did not make.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import Header, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

LOG = "app.log"
ROTATED = "app.log.1"
PASSED_ON = ("content-type", "x-circuit", "x-bulkhead", "x-workbench-fault")


class Writer:
    """Appends to app.log and keeps a copy of every byte it wrote (DATA_DIR), so `/_admin/files`
    can tell whether anyone else changed the log. One lock: a line is written whole or not yet."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.seq = 0
        self.pending = ""  # a line begun by `tail`, not finished yet

    @staticmethod
    def folder() -> Path:
        return kit.settings.volume("app-logs")

    @staticmethod
    def mirror(name: str) -> Path:
        return kit.settings.data_path() / f"wrote-{name}"

    def append(self, data: bytes) -> None:
        for path in (self.folder() / LOG, self.mirror(LOG)):
            with path.open("ab") as out:
                out.write(data)
                out.flush()

    async def lines(self, texts: list[str], tail: str | None = None) -> list[str]:
        async with self.lock:
            done = []
            for text in texts:
                self.seq += 1
                stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
                line = text if self.pending else f"{stamp} legacy-app[{self.seq}] {text}"
                done.append(self.pending + line if self.pending else line)
                self.append((line + "\n").encode())
                self.pending = ""
            if tail is not None:
                self.seq += 1
                stamp = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
                start = f"{stamp} legacy-app[{self.seq}] {tail}"
                self.pending = start
                self.append(start.encode())
            return done

    async def raw(self, data: bytes) -> None:
        async with self.lock:
            self.append(data)

    async def rotate(self) -> None:
        async with self.lock:
            for folder_file, kept in ((self.folder() / LOG, self.folder() / ROTATED),
                                      (self.mirror(LOG), self.mirror(ROTATED))):  # fmt: skip
                if folder_file.exists():
                    os.replace(folder_file, kept)
            self.pending = ""

    def files(self) -> dict[str, Any]:
        found, unexpected = [], []
        for path in sorted(self.folder().iterdir()):
            if path.name not in (LOG, ROTATED):
                unexpected.append(path.name)
                continue
            mirror = self.mirror(path.name)
            intact = mirror.exists() and _digest(mirror) == _digest(path)
            found.append({"name": path.name, "size": path.stat().st_size, "intact": intact})
        return {"files": found, "unexpected": unexpected}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


writer = Writer()


@kit.on_startup
async def make_folder() -> None:
    writer.folder().mkdir(parents=True, exist_ok=True)
    # A restarted app writes a fresh log: nothing of its own earlier bytes to compare with.
    for name in (LOG, ROTATED):
        writer.mirror(name).unlink(missing_ok=True)
        (writer.folder() / name).unlink(missing_ok=True)


@kit.readiness_check
async def log_writable() -> str | None:
    folder = writer.folder()
    if not os.access(folder, os.W_OK):
        return f"cannot write to the app-logs volume at {folder} (owner/permissions)"
    return None


def _answer(upstream: Any) -> Response:
    headers = {k: v for k, v in upstream.headers.items() if k.lower() in PASSED_ON}
    return Response(upstream.content, status_code=upstream.status_code, headers=headers)


@app.get("/recommendations/{customer}")
async def recommendations(customer: str) -> Response:
    # No timeout and no retry: this is the code nobody may change.
    answer = await kit.peer("ambassador").get(f"/recommendations/{customer}", timeout=None)
    await writer.lines([f"GET /recommendations/{customer} {answer.status_code}"])
    return _answer(answer)


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@app.post("/payments")
async def payments(request: Request, key: IdempotencyKey = None) -> Response:
    headers = {"content-type": request.headers.get("content-type", "application/json")}
    if key is not None:
        headers["Idempotency-Key"] = key
    answer = await kit.peer("ambassador").post(
        "/payments", content=await request.body(), headers=headers, timeout=None
    )
    await writer.lines([f"POST /payments {answer.status_code}"])
    return _answer(answer)


class Write(BaseModel):
    n: int = Field(default=0, ge=0, le=10_000)
    text: str = Field(default="line", max_length=1000)
    lines: list[str] = Field(default_factory=list, max_length=10_000)
    tail: str | None = Field(default=None, max_length=1000)
    raw_hex: str | None = Field(default=None, max_length=2_000_000)


@app.post("/_admin/write")
async def write(body: Write) -> dict[str, Any]:
    texts = [f"{body.text} #{i}" for i in range(1, body.n + 1)] + body.lines
    if any("\n" in t for t in texts):
        raise HTTPException(422, "lines: a line holds no newline (one line per entry)")
    if body.raw_hex is not None:
        try:
            data = bytes.fromhex(body.raw_hex)
        except ValueError:
            raise HTTPException(422, "raw_hex: not hexadecimal") from None
        await writer.raw(data)
    done = await writer.lines(texts, body.tail)
    return {"lines": done}


@app.post("/_admin/rotate")
async def rotate() -> dict[str, Any]:
    await writer.rotate()
    return writer.files()


@app.get("/_admin/files")
async def files() -> dict[str, Any]:
    return writer.files()
