"""Engine calls in threads: the engine works on many containers at once, the SDK does not."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

POOL = 16
"""Threads for parallel engine calls; `connect()` keeps a connection pool bigger than this."""


def parallel(func: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`func` over `items` in threads, results in order; the first exception is re-raised."""
    todo = list(items)
    if len(todo) <= 1:
        return [func(item) for item in todo]
    with ThreadPoolExecutor(max_workers=min(POOL, len(todo))) as pool:
        return list(pool.map(func, todo))
