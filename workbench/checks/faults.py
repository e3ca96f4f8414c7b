"""The `faults` fixture's object: fault injection from a check, undone when the check ends.

Runs inside the checks' pytest process. A thin layer over `workbench.runtime.faults` (the one
fault API every runtime shares), so a check breaks the lab exactly as `workbench fault` would.
After each check everything recorded for the run is cleared: killed services restarted, paused
ones resumed, partitions healed, kit faults deleted, crash points disarmed (a service a crash
point ended, or that holds parked work, is restarted).

It also keeps, for this process, the services a check took down itself (killed, paused, or being
restarted) and has not brought back yet (`taken_down`): a service down for that reason is the
check's own doing, not a broken lab (see `workbench.checks.health`).

When the environment variable WORKBENCH_FAULT_COVERAGE names a file, every fault injected is also
appended to it as one JSON line: the check (pytest node id), the service, the fault kind, the
route and the crash point (`workbench labs coverage` reads them).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment, Runtime

COVERAGE_ENV = "WORKBENCH_FAULT_COVERAGE"
"""Names the file the injected faults are recorded in (one JSON line each), when set."""

_taken_down: set[str] = set()
"""Services a check of this process took down and no Faults call has brought back yet."""


def taken_down() -> frozenset[str]:
    """The services the checks took down themselves (kill, pause, a restart not finished)."""
    return frozenset(_taken_down)


def seen_running(services: Iterable[str]) -> None:
    """These services run again (a status said so): whoever took them down, they are back."""
    _taken_down.difference_update(services)


class Faults:
    """Faults on the running lab from a check: the `faults` fixture (undone after each check),
    or `Faults(deployment)` in a fixture of a wider scope (it undoes what it did on `undo()`)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._runtime: Runtime | None = None
        self._used = False
        self._down: set[str] = set()

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            from workbench.runtime.select import runtime_for

            self._runtime = runtime_for(self.deployment)
        return self._runtime

    def _inject(self, service: str, kind: str, **options: Any) -> None:
        from workbench.runtime import faults

        self._used = True
        given = {name: value for name, value in options.items() if value is not None}
        _record_coverage(service, kind, given)
        from workbench.checks import trace

        trace.fault_injected(service, kind, given)
        faults.inject(self.deployment, service, kind, runtime=self.runtime, **given)

    # Request level, through the service kit. `route` limits a fault to paths starting with
    # it, `method` to one HTTP method ("POST").
    def latency(self, service: str, ms: int, route: str | None = None, *,
                method: str | None = None) -> None:  # fmt: skip
        """Every request to `service` (under `route`) waits `ms` milliseconds first."""
        self._inject(service, "latency", latency_ms=ms, route=route, method=method)

    def error_rate(self, service: str, rate: float, route: str | None = None,
                   status: int = 503, *, method: str | None = None) -> None:  # fmt: skip
        """A fraction `rate` (0..1) of the requests to `service` fail with `status`."""
        self._inject(service, "error_rate", rate=rate, route=route, status=status, method=method)

    def fail_next(self, service: str, n: int, route: str | None = None,
                  status: int = 503, *, method: str | None = None) -> None:  # fmt: skip
        """The next `n` requests to `service` fail with `status`."""
        self._inject(service, "fail_next", count=n, route=route, status=status, method=method)

    def reset(self, service: str, rate: float = 1.0, route: str | None = None, *,
              method: str | None = None) -> None:  # fmt: skip
        """A fraction `rate` of the requests to `service` get no answer: the connection is
        reset under them (the caller sees a connection error, never an HTTP status)."""
        self._inject(service, "reset", rate=rate, route=route, method=method)

    # Crash points, declared by the service itself (`kit.declare_crash_points`).
    def crash_at(self, service: str, point: str, key: str | int | None = None,
                 hold: bool = False) -> None:  # fmt: skip
        """`service` exits at once when it reaches its crash point `point` (for `key`, e.g. an
        order id; any key when None) — or, with `hold`, parks the work that gets there until the
        process dies, so that one later crash catches it there. One-shot."""
        self._inject(service, "crash", point=point, key=key, hold=hold)
        if not hold:
            self._took_down(service)  # when it exits, that is this check's doing

    def disarm_crashes(self, service: str) -> None:
        """Disarm the crash points of `service` now (parked work stays parked)."""
        from workbench.runtime import faults

        faults.disarm(self.deployment, service)

    # Process level, through the runtime.
    def kill(self, service: str) -> None:
        self._inject(service, "kill")
        self._took_down(service)

    def restart(self, service: str) -> None:
        # Down while it restarts; if it does not come back, the check's own doing (its error
        # says why), not a broken lab, until a status sees it running again.
        self._took_down(service)
        self._inject(service, "restart")
        self._brought_back([service])

    def pause(self, service: str) -> None:
        self._inject(service, "pause")
        self._took_down(service)

    def resume(self, service: str) -> None:
        from workbench.runtime import faults

        faults.resume(self.deployment, service, runtime=self.runtime)
        self._brought_back([service])

    def partition(self, service: str) -> None:
        self._inject(service, "partition")

    def heal(self, service: str) -> None:
        self.runtime.heal(self.deployment, service)  # heal forgets the partition

    def undo(self) -> None:
        """Undo every fault recorded for the run (called after each check)."""
        if not self._used:
            return
        from workbench.runtime import faults

        faults.clear(self.deployment, runtime=self.runtime)
        self._brought_back(list(self._down))

    def _took_down(self, service: str) -> None:
        self._down.add(service)
        _taken_down.add(service)

    def _brought_back(self, services: list[str]) -> None:
        self._down.difference_update(services)
        _taken_down.difference_update(services)


def _record_coverage(service: str, kind: str, options: dict[str, Any]) -> None:
    path = os.environ.get(COVERAGE_ENV)
    if not path:
        return
    # pytest sets it while a check runs: "checks/test_x.py::test_y (call)".
    check = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    line = {
        "check": check,
        "service": service,
        "kind": kind,
        "route": options.get("route"),
        "point": options.get("point"),
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
