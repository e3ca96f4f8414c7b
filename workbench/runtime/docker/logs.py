"""Log lines of a run's containers: the engine keeps them (json-file driver), we read them.

Following several containers at once: one thread per container reads the engine's log stream and
puts whole lines on one queue; the generator yields them as they come, and stops when every stream
has ended (containers removed by `down`) or the caller stops iterating.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any

from docker.errors import APIError, NotFound
from docker.models.containers import Container

from workbench.runtime.base import LogLine

FOLLOW_TAIL = 10
"""Lines of history shown before following, when no tail is asked for (as the local runtime)."""


def read_lines(service: str, container: Container, tail: int | None) -> list[LogLine]:
    try:
        raw = container.logs(tail="all" if tail is None else tail)
    except (NotFound, APIError):
        return []
    return [LogLine(service, text) for text in raw.decode("utf-8", "replace").splitlines()]


def _pump(service: str, stream: Any, out: queue.Queue[LogLine | None]) -> None:
    pending = b""
    try:
        for chunk in stream:
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                out.put(LogLine(service, line.decode("utf-8", "replace").rstrip("\r")))
    except Exception:  # the stream closed under us (container removed, caller gone)
        pass
    finally:
        if pending:
            out.put(LogLine(service, pending.decode("utf-8", "replace")))
        out.put(None)


def follow(containers: dict[str, Container], tail: int | None) -> Iterator[LogLine]:
    """History (`tail` lines, default 10) then live lines of every container, interleaved."""
    lines: queue.Queue[LogLine | None] = queue.Queue()
    streams = []
    for service, container in containers.items():
        try:
            stream = container.logs(
                stream=True, follow=True, tail=FOLLOW_TAIL if tail is None else tail
            )
        except (NotFound, APIError):
            continue
        streams.append(stream)
        threading.Thread(
            target=_pump, args=(service, stream, lines), daemon=True, name=f"logs-{service}"
        ).start()
    open_streams = len(streams)
    try:
        while open_streams:
            item = lines.get()
            if item is None:
                open_streams -= 1
                continue
            yield item
    finally:
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.close()
