"""One builder per image at a time: across threads (the runtime starts services in parallel)
and across processes (a `workbench bake` in one shell, a `lab start` in another, parallel tests).
"""

from __future__ import annotations

import fcntl
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from workbench import paths

_guard = threading.Lock()
_thread_locks: dict[str, threading.Lock] = {}


@contextmanager
def image_lock(name: str) -> Iterator[None]:
    """Hold while checking for and building the image `name` (a tag or a cache key)."""
    with _guard:
        thread_lock = _thread_locks.setdefault(name, threading.Lock())
    with thread_lock:
        folder = paths.cache_dir() / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        with (folder / f"{safe}.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
