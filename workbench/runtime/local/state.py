"""What state a local service is in: crashed while starting, paused, ready, or on its way.

With `uvicorn --reload` the process we started (the reloader) outlives the app: when the app
fails to import, the reloader waits for a file change. So a service's state comes from its whole
process group: is the group there, is it stopped (SIGSTOP), is the worker that runs the app alive,
does /ready answer.
"""

from __future__ import annotations

import time

from workbench.runtime.base import Endpoint, ServiceState
from workbench.runtime.local import procs
from workbench.runtime.readiness import nats_ready, readiness_report


class WorkerWatch:
    """Tells that a `uvicorn --reload` service crashed while starting.

    The reloader process survives when the app fails to import (it waits for a file change), so
    the process alone says nothing: the worker it spawned exiting does. A worker can live and die
    between two looks; multiprocessing's resource tracker, started just before it, stays, so a
    tracker without a worker for a while means the worker came and went.
    """

    def __init__(self, record: procs.ProcessRecord) -> None:
        self.record = record
        self.seen_worker = False
        self.lone_tracker_since: float | None = None
        self.spawned = time.monotonic()

    def __call__(self) -> str | None:
        members = procs.family(self.record.pid) if procs.group_is_ours(self.record) else []
        if not members or self.record.pid not in members:
            return "exited while starting"
        if procs.app_running(self.record, members):
            self.seen_worker = True
            self.lone_tracker_since = None
            return None
        now = time.monotonic()
        if self.seen_worker:
            return CRASHED_WHILE_STARTING
        if procs.tracker_running(members):
            self.lone_tracker_since = self.lone_tracker_since or now
            if now - self.lone_tracker_since > 1.0:
                return CRASHED_WHILE_STARTING
        if now - self.spawned > 30.0:
            return "never started its app (the reloader runs alone)"
        return None


CRASHED_WHILE_STARTING = "crashed while starting (its app failed to load or exited)"


def state_of(
    endpoint: Endpoint, record: procs.ProcessRecord | None, groups: dict[int, list[int]]
) -> tuple[ServiceState, str]:
    """The state of one service; `groups` is one `procs.group_table()` for all services."""
    if record is None:
        return ServiceState.STOPPED, "not started"
    members = groups.get(record.pid, []) if procs.group_is_ours(record) else []
    if not members:
        return ServiceState.CRASHED, "not running"
    if any(procs.state_of(pid) == "T" for pid in members):
        return ServiceState.PAUSED, "paused (SIGSTOP)"
    port = int(endpoint.url.rsplit(":", 1)[1])
    if endpoint.kind == "nats":
        return (ServiceState.READY, "") if nats_ready(port) else (ServiceState.STARTING, "")
    if not procs.app_running(record, members):
        return ServiceState.CRASHED, "its app failed to load; fix the code and save to reload"
    ready, problems = readiness_report(port)
    if ready:
        return ServiceState.READY, ""
    return ServiceState.STARTING, "; ".join(problems) or "not ready yet"
