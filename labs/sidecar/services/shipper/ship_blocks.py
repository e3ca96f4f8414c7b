"""What your `shipper.py` gets: the app's log files, the collector and a durable offset store.

The shipper service calls `await ship_once(logs, collector, offsets)` in a loop (again at once
when it returned a number of lines above 0, else after a tenth of a second; after an exception,
with a back-off up to a second). Each call ships one batch at most:

    logs.files()                   the log files, oldest first: [app.log.1, app.log] (a file is
                                   listed once its first line is complete). Each is a `LogFile`:
                                   .name, .inode, .first_line, .size and .identity, a string
                                   that names the file whatever it is called now (inode + first
                                   line): app.log renamed to app.log.1 keeps its identity.
    logs.read(file, offset, max_lines=100)
                                   the whole lines from byte `offset` on -> `Chunk`: .lines
                                   (each a `Line`: .offset where it starts, .text without the
                                   newline) and .end, the offset right after the last one. A
                                   line still being written is left for later; a line over 64 KiB
                                   comes as several parts, marked "[part i/n]"; bytes that are
                                   not UTF-8 are replaced. Reads the file by its identity, even
                                   if it was renamed since `files()`.
    await collector.send([{"id": ..., "text": ...}, ...])
                                   one batch to the collector, which keeps each id once. Raises
                                   `collector.Unavailable` when it did not take the batch.
    offsets.load() -> dict         what you saved last ({} at first), from DATA_DIR
    offsets.save(dict)             saves it durably (atomic: all of it or the old one)

Crash points (a check may end the process there): `after-send` (the collector has the batch)
and `after-save` (the offsets are on disk).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

NAMES = ("app.log.1", "app.log")
"""Oldest first: rotation renames app.log to app.log.1."""
MAX_LINE = 64 * 1024
READ_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LogFile:
    name: str
    inode: int
    first_line: str
    size: int

    @property
    def identity(self) -> str:
        digest = hashlib.sha256(self.first_line.encode()).hexdigest()[:12]
        return f"{self.inode}-{digest}"


@dataclass(frozen=True)
class Line:
    offset: int
    text: str


@dataclass(frozen=True)
class Chunk:
    lines: list[Line]
    end: int


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").rstrip("\r")


def split_lines(data: bytes, start: int, max_lines: int) -> Chunk:
    """The whole lines of `data` (read from byte `start`), long ones in marked parts."""
    lines: list[Line] = []
    pos = 0
    while len(lines) < max_lines:
        newline = data.find(b"\n", pos)
        if newline < 0:
            break
        raw = data[pos:newline]
        if len(raw) <= MAX_LINE:
            lines.append(Line(start + pos, _text(raw)))
        else:
            parts = [raw[i : i + MAX_LINE] for i in range(0, len(raw), MAX_LINE)]
            for i, part in enumerate(parts):
                lines.append(Line(start + pos + i * MAX_LINE,
                                  f"[part {i + 1}/{len(parts)}] {_text(part)}"))  # fmt: skip
        pos = newline + 1
    return Chunk(lines, start + pos)


class Logs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def files(self) -> list[LogFile]:
        found = []
        for name in NAMES:
            try:
                with (self.folder / name).open("rb") as f:
                    st = os.fstat(f.fileno())
                    head = f.read(MAX_LINE)
            except OSError:
                continue
            newline = head.find(b"\n")
            if newline < 0 and len(head) < MAX_LINE:
                continue  # its first line is still being written: no identity yet
            first = head[: newline if newline >= 0 else MAX_LINE]
            found.append(LogFile(name, st.st_ino, _text(first), st.st_size))
        return found

    def read(self, file: LogFile, offset: int, max_lines: int = 100) -> Chunk:
        if not isinstance(file, LogFile):
            raise TypeError(f"logs.read takes a LogFile from logs.files(), not {file!r}")
        if offset < 0:
            raise ValueError(f"logs.read: offset {offset} is negative")
        for name in (file.name, *NAMES):
            try:
                with (self.folder / name).open("rb") as f:
                    if os.fstat(f.fileno()).st_ino != file.inode:
                        continue
                    f.seek(offset)
                    data = f.read(READ_BYTES)
            except OSError:
                continue
            return split_lines(data, offset, max(1, max_lines))
        return Chunk([], offset)  # the file is gone (rotated away twice)


class Unavailable(Exception):
    """The collector did not take the batch: nothing of it is stored."""


class Collector:
    Unavailable = Unavailable

    def __init__(self, client: Callable[[], httpx.AsyncClient],
                 crash_point: Callable[[str], Awaitable[None]]) -> None:  # fmt: skip
        self._client = client
        self._crash_point = crash_point
        self.batches = 0
        self.lines = 0

    async def send(self, lines: Iterable[dict[str, Any]]) -> dict[str, Any]:
        batch = [dict(line) for line in lines]
        for line in batch:
            if not isinstance(line.get("id"), str) or not isinstance(line.get("text"), str):
                raise TypeError(
                    f"collector.send takes {{'id': str, 'text': str}} items, got {line!r}"
                )
        if not batch:
            return {"received": 0, "new": 0}
        try:
            response = await self._client().post("/lines", json=batch, timeout=2.0)
        except httpx.TransportError as exc:
            raise Unavailable(f"collector unreachable ({type(exc).__name__})") from None
        if response.status_code >= 300:
            raise Unavailable(f"collector answered {response.status_code}: {response.text[:200]}")
        self.batches += 1
        self.lines += len(batch)
        await self._crash_point("after-send")
        return dict(response.json())


class Offsets:
    def __init__(self, folder: Path, crash_point: Callable[[str], None]) -> None:
        self.path = folder / "offsets.json"
        self._crash_point = crash_point

    def load(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {}

    def save(self, state: dict[str, Any]) -> None:
        text = json.dumps(state)  # raises here, before anything is written, if it cannot
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._crash_point("after-save")
