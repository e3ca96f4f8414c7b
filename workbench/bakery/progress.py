"""What the bakery reports while it works: one event per image state change or build step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class BakePhase(StrEnum):
    CACHED = "cached"
    """The image with this content hash exists: nothing to do."""
    STARTED = "started"
    STEP = "step"
    """A build step; `step` of `total` when the engine tells us (Dockerfile steps)."""
    BUILT = "built"
    FAILED = "failed"


@dataclass(frozen=True)
class BakeEvent:
    image: str
    """What is being baked, for people: 'root', 'base', 'nats', 'saga/order'."""
    phase: BakePhase
    tag: str = ""
    service: str | None = None
    step: int = 0
    total: int = 0
    detail: str = ""


BakeCallback = Callable[[BakeEvent], None]


def ignore(_event: BakeEvent) -> None:
    """The default callback: nobody is watching."""
