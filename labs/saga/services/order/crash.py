"""Crash points: let a check kill the order service right after a step's call returns.

`POST /_admin/crash {"after": "charge", "order_id": null}` arms one crash. The next time the
step clients see a `charge` answer (for that order, or any order when `order_id` is null), the
process exits at once with `os._exit` — no clean-up, no `finally`, exactly like a power cut or an
OOM kill. The crash happens in the service's step client, after the participant has done its
work and before your code sees the answer, which is the worst moment for a saga: the step
happened, but the orchestrator never learnt it.

`"mode": "hold"` parks that saga at the same point instead (it waits forever), so that one
later crash can catch several sagas, each at a chosen step — the checks use it to test several
crash points with a single restart. Points are one-shot and armed in memory only, so a restarted
service neither crashes nor holds again.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from typing import Any, Literal

STEPS = ("reserve", "release", "charge", "refund", "ship", "publish")
EXIT_CODE = 70

Mode = Literal["exit", "hold"]


@dataclass(frozen=True)
class CrashPoint:
    after: str
    order_id: int | None = None
    mode: Mode = "exit"

    def matches(self, step: str, order_id: int | None) -> bool:
        return self.after == step and self.order_id in (None, order_id)

    def as_dict(self) -> dict[str, Any]:
        return {"after": self.after, "order_id": self.order_id, "mode": self.mode}


_armed: list[CrashPoint] = []


def arm(point: CrashPoint) -> None:
    _armed.append(point)


def disarm() -> None:
    _armed.clear()


def armed() -> list[CrashPoint]:
    return list(_armed)


async def reached(step: str, order_id: int | None, log: Any) -> None:
    """Called by the step clients once a step's answer is in: exit or hold if armed here."""
    point = next((p for p in _armed if p.matches(step, order_id)), None)
    if point is None:
        return
    _armed.remove(point)
    if point.mode == "hold":
        log.warning("crash point reached: holding this saga", after=step, order_id=order_id)
        await asyncio.Event().wait()  # parked until the process dies
    log.warning("crash point reached: exiting now", after=step, order_id=order_id)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_CODE)
