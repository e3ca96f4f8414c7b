"""Reading service log files: the last lines, and following several files as they grow."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from workbench.runtime.base import LogLine

TAIL_CHUNK = 64 * 1024


def tail_lines(path: Path, count: int | None) -> list[str]:
    """The last `count` lines of a file (all of them when count is None); [] when it is missing."""
    try:
        with path.open("rb") as file:
            if count is None:
                data = file.read()
            else:
                size = file.seek(0, 2)
                # Read backwards in chunks until enough newlines were seen (logs can be large).
                data = b""
                pos = size
                while pos > 0 and data.count(b"\n") <= count:
                    step = min(TAIL_CHUNK, pos)
                    pos -= step
                    file.seek(pos)
                    data = file.read(step) + data
    except OSError:
        return []
    lines = data.decode("utf-8", errors="replace").splitlines()
    return lines if count is None else lines[-count:] if count > 0 else []


def follow_logs(
    files: Mapping[str, Path],
    *,
    tail: int | None = None,
    until: Callable[[], bool] = lambda: False,
    interval: float = 0.2,
) -> Iterator[LogLine]:
    """The last `tail` lines of each file, then every new line as it is written.

    Ends when `until()` says so (e.g. the run folder is gone), or when the caller stops iterating.
    """
    offsets: dict[str, int] = {}
    partial: dict[str, bytes] = {}
    for name, path in files.items():
        for text in tail_lines(path, 10 if tail is None else tail):
            yield LogLine(name, text)
        offsets[name] = path.stat().st_size if path.exists() else 0
        partial[name] = b""
    while not until():
        grew = False
        for name, path in files.items():
            try:
                size = path.stat().st_size
            except OSError:
                continue
            if size < offsets[name]:  # truncated or replaced: start over
                offsets[name] = 0
            if size == offsets[name]:
                continue
            with path.open("rb") as file:
                file.seek(offsets[name])
                chunk = partial[name] + file.read(size - offsets[name])
            offsets[name] = size
            *complete, partial[name] = chunk.split(b"\n")
            for raw in complete:
                grew = True
                yield LogLine(name, raw.decode("utf-8", errors="replace"))
        if not grew:
            time.sleep(interval)
