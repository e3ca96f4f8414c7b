"""Request-level faults a check or the learner switches on through `/_admin/faults`.

- latency: every matching request waits `latency_ms` before it is handled (its body is read
  first, so a caller that gives up during the wait loses the answer, not the work);
- error_rate: a matching request fails with `status` with probability `rate` (0..1);
- fail_next: the next `count` matching requests fail with `status`, then the fault is used up;
- reset: a matching request (with probability `rate`) gets no answer at all: the connection is
  closed under it, so the caller sees a connection reset, never an HTTP status.

A fault applies to the whole service (`route` null) or to paths starting with `route`, and to
every method (`method` null) or to one (`"POST"`). The kit's
own endpoints (`/health`, `/ready`, `/_admin/...`) are never faulted: the runtime and the checks
must always be able to see and undo what they did.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKindName = Literal["latency", "error_rate", "fail_next", "reset"]

UNFAULTED_PREFIXES = ("/health", "/ready", "/_admin")


class FaultSpec(BaseModel):
    """Body of `POST /_admin/faults`."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKindName
    route: str | None = Field(default=None, pattern=r"^/")
    method: str | None = Field(default=None, pattern=r"^[A-Za-z]{1,16}$")
    latency_ms: int = Field(default=0, ge=0, le=120_000)
    rate: float = Field(default=1.0, ge=0.0, le=1.0)
    count: int = Field(default=1, ge=1, le=1_000_000)
    status: int = Field(default=503, ge=400, le=599)

    @model_validator(mode="after")
    def _latency_needs_ms(self) -> FaultSpec:
        if self.kind == "latency" and self.latency_ms <= 0:
            raise ValueError("a latency fault needs latency_ms > 0")
        if self.method is not None:
            self.method = self.method.upper()
        return self


@dataclass
class Fault:
    id: int
    kind: FaultKindName
    route: str | None
    method: str | None
    latency_ms: int
    rate: float
    count: int
    status: int
    hits: int = 0

    def matches(self, path: str, method: str) -> bool:
        return (self.route is None or path.startswith(self.route)) and (
            self.method is None or self.method == method.upper()
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Decision:
    """What to do with one request: wait this long, then maybe answer with an error (or, with
    `reset`, close the connection without an answer)."""

    delay_s: float = 0.0
    fail_status: int | None = None
    fault_kind: str | None = None
    reset: bool = False


NO_FAULT = Decision()


class FaultTable:
    """The active faults of one service process. Thread-safe: sync endpoints run in threads."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._faults: list[Fault] = []
        # Ids differ across restarts of the service (they start at the clock in ms), so a
        # runtime that deletes "its" fault by id after a restart never removes somebody else's.
        self._ids = itertools.count(time.time_ns() // 1_000_000 % 1_000_000_000)
        self._lock = threading.Lock()
        self._rng = rng or random.Random()

    def add(self, spec: FaultSpec) -> Fault:
        fault = Fault(
            id=next(self._ids),
            kind=spec.kind,
            route=spec.route,
            method=spec.method,
            latency_ms=spec.latency_ms,
            rate=spec.rate,
            count=spec.count,
            status=spec.status,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self) -> int:
        with self._lock:
            n = len(self._faults)
            self._faults = []
            return n

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def decide(self, path: str, method: str = "GET") -> Decision:
        """Apply the active faults to one request (consumes fail_next counts)."""
        if not self._faults or path.startswith(UNFAULTED_PREFIXES):
            return NO_FAULT
        delay_ms = 0
        fail: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(path, method):
                    continue
                if fault.kind == "latency":
                    delay_ms += fault.latency_ms
                    fault.hits += 1
                elif fail is None and fault.kind in ("error_rate", "reset"):
                    if self._rng.random() < fault.rate:
                        fail = fault
                        fault.hits += 1
                elif fail is None and fault.kind == "fail_next":
                    fail = fault
                    fault.hits += 1
                    fault.count -= 1
            self._faults = [f for f in self._faults if not (f.kind == "fail_next" and f.count <= 0)]
        if fail is None:
            return Decision(delay_s=delay_ms / 1000) if delay_ms else NO_FAULT
        return Decision(
            delay_s=delay_ms / 1000,
            fail_status=fail.status,
            fault_kind=fail.kind,
            reset=fail.kind == "reset",
        )
