"""Readiness waits for containers, probed from the host through the edge.

A wait is an object: what to probe (`HttpWait`: a 200 from the service's readiness path; `NatsWait`:
the broker's INFO greeting; both through the edge port, since the edge accepts a connection even
when its target is down, a bare TCP connect would prove nothing), plus how to tell the container
has failed for good. Polling itself is the local runtime's `readiness.wait_all` (one thread,
Ctrl-C lands at once). A failed wait is reported with the container's last log lines (read since its
latest start only), which the runtime puts in its `StartFailedError`.

"Failed for good" is either the container exiting, or uvicorn's reloader reporting that its worker
died (an import error in the learner's code): with `--reload` the container keeps running and
waiting for a fix, so without that signature a syntax error would cost the whole deadline.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docker.errors import APIError, NotFound
from docker.models.containers import Container

from workbench.lab.model import ServiceKind
from workbench.runtime.base import Deployment
from workbench.runtime.docker.containers import log_tail
from workbench.runtime.readiness import Probe, http_ready, nats_ready, wait_all
from workbench.service_env import CRASH_EXIT_LOG

if TYPE_CHECKING:
    from workbench.lab.model import Service

WORKER_DIED = ("Process SpawnProcess-", "error: cannot load the service's app")
"""What a dying uvicorn reload worker prints: multiprocessing's line before a traceback, or the
start gate's report when the service's code fails to import (see `servicekit/gate.py`)."""

CRASH_CHECK_EVERY = 1.0
"""Seconds between crash checks (two engine calls each): the engine's CPU is the start's too."""
PROBE_INTERVAL = 0.1
"""Seconds between readiness probes; each goes through docker-proxy, the edge and Docker's DNS."""


@dataclass(frozen=True)
class WaitFailure:
    reason: str
    log_tail: list[str]


@dataclass
class ContainerWait:
    service: str
    container: Container
    host_port: int
    started_since: Any = None
    """Only log lines after this moment count (set from the container's start time)."""
    after: frozenset[str] = frozenset()
    """Services that must be ready first (the service loads its code only then)."""
    failed: set[str] = field(default_factory=set)
    """Services that failed so far (shared by the waits of one start)."""
    start_errors: dict[str, str] = field(default_factory=dict)
    """Containers started in the background that could not start: service -> why."""
    _last_check: float = field(default=0.0, repr=False)

    def ready(self) -> bool:
        raise NotImplementedError

    def failure(self) -> str | None:
        """Why the container can no longer become ready, or None."""
        if self.service in self.start_errors:
            return f"could not start: {self.start_errors[self.service]}"
        lost = sorted(self.after & self.failed)
        if lost:
            return f"was not waited for: it needs {', '.join(lost)}, which failed"
        now = time.monotonic()
        if now - self._last_check < CRASH_CHECK_EVERY:
            return None
        self._last_check = now
        try:
            self.container.reload()
        except NotFound:
            return "was removed while starting"
        except APIError:
            return None
        state = self.container.attrs.get("State", {})
        if state.get("Status") in ("exited", "dead"):
            return f"exited with code {state.get('ExitCode')} while starting"
        if worker_died(self.tail(200)):
            return "failed to start: its code raised an error (it reloads when you fix the file)"
        return None

    def tail(self, lines: int = 30) -> list[str]:
        return log_tail(self.container, lines, since=self.started_since)

    def probe(self) -> Probe:
        return Probe(self.service, self.ready, self.failure, after=self.after)


@dataclass
class HttpWait(ContainerWait):
    path: str = "/ready"

    def ready(self) -> bool:
        return http_ready(self.host_port, self.path)


@dataclass
class NatsWait(ContainerWait):
    def ready(self) -> bool:
        return nats_ready(self.host_port)


def started_at(container: Container) -> float | None:
    """The container's latest start as a unix timestamp (the engine's `since`), None before its
    first start (the engine then says year 1)."""
    from datetime import datetime

    raw = str(container.attrs.get("State", {}).get("StartedAt", ""))
    with contextlib.suppress(ValueError):
        # The engine writes nanoseconds; Python parses at most microseconds.
        whole, _, fraction = raw.rstrip("Z").partition(".")
        stamp = datetime.fromisoformat(f"{whole}.{(fraction or '0')[:6]}+00:00").timestamp()
        return stamp if stamp > 0 else None
    return None


def worker_died(lines: list[str]) -> bool:
    return any(sign in line for line in lines for sign in WORKER_DIED)


def crash_point_exit(lines: list[str]) -> bool:
    """The worker ended at a crash point (`os._exit`: it prints nothing else, and uvicorn's
    reloader keeps the container running without it)."""
    return any(CRASH_EXIT_LOG in line for line in lines)


def wait_ready(
    waits: list[ContainerWait],
    timeout: float,
    *,
    on_ready: Callable[[str], None] | None = None,
    on_failed: Callable[[str, str], None] | None = None,
    on_unblocked: Callable[[str], None] | None = None,
) -> dict[str, WaitFailure]:
    """Wait for all; returns {service: why, with its log tail} for those that failed."""
    failed = wait_all(
        [w.probe() for w in waits], timeout, interval=PROBE_INTERVAL,
        on_ready=on_ready, on_failed=on_failed, on_unblocked=on_unblocked,
    )  # fmt: skip
    by_name = {w.service: w for w in waits}
    return {name: WaitFailure(reason, by_name[name].tail()) for name, reason in failed.items()}


def wait_for(
    service: Service,
    container: Container,
    deployment: Deployment,
    *,
    after: frozenset[str] = frozenset(),
    failed: set[str] | None = None,
    start_errors: dict[str, str] | None = None,
) -> ContainerWait:
    """The wait for one service's container: its readiness path, or the broker's greeting."""
    container.reload()
    port = int(deployment.extra["ports"][service.name])
    kind = NatsWait if service.kind is ServiceKind.NATS else HttpWait
    wait = kind(
        service.name, container, port, started_at(container), after=after,
        failed=set() if failed is None else failed,
        start_errors={} if start_errors is None else start_errors,
    )  # fmt: skip
    if isinstance(wait, HttpWait):
        wait.path = service.readiness
    return wait
