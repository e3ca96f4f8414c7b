"""Crash points: let a check kill the order service right after a step's call returns.

`POST /_admin/crash {"after": "charge", "order_id": null}` arms one crash. The next time the
step clients see a `charge` answer (for that order, or any order when `order_id` is null), the
process exits at once with `os._exit` — no clean-up, no `finally`, exactly like a power cut or an
OOM kill. The crash happens in the service's step client, after the participant has done its
work and before your code sees the answer, which is the worst moment for a saga: the step
happened, but the orchestrator never learnt it. It is armed in memory only, so a restarted
service does not crash again.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

STEPS = ("reserve", "release", "charge", "refund", "ship", "publish")
EXIT_CODE = 70


@dataclass(frozen=True)
class CrashPoint:
    after: str
    order_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"after": self.after, "order_id": self.order_id}


_armed: CrashPoint | None = None


def arm(point: CrashPoint) -> None:
    global _armed  # noqa: PLW0603 - one process-wide switch is the whole point
    _armed = point


def disarm() -> None:
    global _armed  # noqa: PLW0603
    _armed = None


def armed() -> CrashPoint | None:
    return _armed


def hit(step: str, order_id: int | None, log: Any) -> None:
    """Called by the step clients once a step's answer is in; exits if a crash is armed here."""
    point = _armed
    if point is None or point.after != step:
        return
    if point.order_id is not None and point.order_id != order_id:
        return
    log.warning("crash point reached: exiting now", after=step, order_id=order_id)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_CODE)
