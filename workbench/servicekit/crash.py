"""Crash points: named places in a service where a check can make the process die (or park).

A service declares its points once (`kit.declare_crash_points("charge", ...)`, at import time) and
puts `await kit.crash_point("charge", key=order_id)` where a crash hurts most — typically right
after a peer answered, before the service has recorded the answer. `POST /_admin/crash
{"point", "key", "mode"}` arms one point:

- `exit`: the next time that point is reached (for that key, or for any key when `key` is null)
  the process ends at once with `os._exit` — no clean-up, no `finally`, no lifespan shutdown,
  like a power cut or an OOM kill;
- `hold`: the request or handler that reaches it is parked until the process dies, so that one
  later crash catches several pieces of work, each at a chosen point.

Armed points are one-shot and in memory only: a restarted service neither crashes nor holds again.
Declaring points up front (rather than on first use) lets `GET /_admin/crash` list every point a
service has before any of them is reached, which is what the CLI and the TUI offer.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from workbench.service_env import CRASH_EXIT_LOG
from workbench.servicekit.errors import KitConfigError

EXIT_CODE = 70
"""The exit status of a crash (EX_SOFTWARE), so logs tell it apart from a kill or a stop."""

Mode = Literal["exit", "hold"]
MODES: tuple[Mode, ...] = ("exit", "hold")

Key = str | int | None


def key_text(key: Key) -> str | None:
    """Keys compare as text: a check arms `key: 5` or `"5"`, a service passes `order_id` 5."""
    return None if key is None else str(key)


@dataclass(frozen=True)
class ArmedPoint:
    point: str
    key: str | None = None
    mode: Mode = "exit"

    def matches(self, point: str, key: Key) -> bool:
        return self.point == point and self.key in (None, key_text(key))

    def as_dict(self) -> dict[str, Any]:
        return {"point": self.point, "key": self.key, "mode": self.mode}


class ArmError(ValueError):
    """An arm request the service cannot take; the message names the known points."""


class CrashPoints:
    """The declared and armed crash points of one service process. Thread-safe."""

    def __init__(self, service: str, log: Any) -> None:
        self.service = service
        self._log = log
        self._declared: list[str] = []
        self._armed: list[ArmedPoint] = []
        self._held = 0
        self._lock = threading.Lock()

    # -- declaring -------------------------------------------------------------------------------

    def declare(self, names: Iterable[str]) -> None:
        for name in names:
            if not isinstance(name, str) or not name.strip() or name != name.strip():
                raise KitConfigError(f"a crash point needs a plain name, not {name!r}")
            if name not in self._declared:
                self._declared.append(name)

    @property
    def declared(self) -> list[str]:
        return list(self._declared)

    def known(self) -> str:
        """The known points, for a message: "reserve, charge" or "none (...)"."""
        if not self._declared:
            return f"none ({self.service} declares no crash points)"
        return ", ".join(self._declared)

    # -- arming (the admin endpoints) -----------------------------------------------------------

    def arm(self, body: object) -> ArmedPoint:
        """Arm from a decoded JSON body; ArmError says what is wrong and which points exist."""
        if not isinstance(body, dict):
            raise ArmError(f'send {{"point", "key", "mode"}}; known points: {self.known()}')
        unknown = sorted(set(body) - {"point", "key", "mode"})
        if unknown:
            raise ArmError(
                f"unknown field(s) {', '.join(unknown)}; send point, key and mode "
                f"(known points: {self.known()})"
            )
        point, key, mode = body.get("point"), body.get("key"), body.get("mode", "exit")
        if not isinstance(point, str) or point not in self._declared:
            raise ArmError(f"unknown crash point {point!r}; known points: {self.known()}")
        if key is not None and (isinstance(key, bool) or not isinstance(key, str | int)):
            raise ArmError(f"key must be a string, a whole number or null, not {key!r}")
        if mode not in MODES:
            raise ArmError(f"mode must be exit or hold, not {mode!r}")
        armed = ArmedPoint(point, key_text(key), mode)
        with self._lock:
            self._armed.append(armed)
        self._log.info("crash point armed", **armed.as_dict())
        return armed

    def disarm(self) -> int:
        with self._lock:
            n = len(self._armed)
            self._armed = []
        return n

    def state(self) -> dict[str, Any]:
        """What `GET /_admin/crash` shows: declared points, armed ones, and parked work."""
        with self._lock:
            armed = [a.as_dict() for a in self._armed]
            held = self._held
        return {"service": self.service, "points": self.declared, "armed": armed, "held": held}

    # -- reaching (the service's code) ----------------------------------------------------------

    def _take(self, point: str, key: Key) -> ArmedPoint | None:
        if point not in self._declared:
            # A lab bug, not a learner's: the admin could never have listed this point.
            raise KitConfigError(
                f"crash point {point!r} is not declared; declare it with "
                f"kit.declare_crash_points({point!r}, ...) (declared: {self.known()})"
            )
        with self._lock:
            armed = next((a for a in self._armed if a.matches(point, key)), None)
            if armed is not None:
                self._armed.remove(armed)
                if armed.mode == "hold":
                    self._held += 1
        return armed

    async def reached(self, point: str, key: Key = None) -> None:
        """The service got to `point` (for `key`): exit or hold if a check armed it here."""
        armed = self._take(point, key)
        if armed is None:
            return
        if armed.mode == "exit":
            self.exit_now(point, key)
        self._log.warning("crash point reached: holding", point=point, key=key_text(key))
        await asyncio.Event().wait()  # parked until the process dies

    def reached_now(self, point: str, key: Key = None) -> None:
        """The synchronous form of `reached`, for code that cannot await (inside a learner's
        plain function): a point armed here exits at once, in either mode, since work that
        holds the thread would hold the whole event loop rather than park itself."""
        if self._take(point, key) is not None:
            self.exit_now(point, key)

    def exit_now(self, point: str, key: Key) -> None:
        self._log.warning(CRASH_EXIT_LOG, point=point, key=key_text(key))
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_CODE)
