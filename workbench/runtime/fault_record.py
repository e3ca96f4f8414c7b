"""The record of active faults of a run: `faults.json` in the run folder.

Every fault that stays active (kill, pause, partition, request-level kit faults) is written here
by `workbench.runtime.faults`, so `workbench lab status` shows it from any shell (both runtimes'
`status` read it) and `workbench fault clear` knows what to undo. Read-modify-write goes under a
file lock, so shells and check threads never lose each other's faults.

Importing nothing above `runtime.base`, both runtimes and the fault use cases can use it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment

RECORD = "faults.json"


@dataclass(frozen=True)
class ActiveFault:
    service: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    kit_id: int | None = None
    """The service kit's id of a request-level fault."""
    at: float = 0.0

    def describe(self) -> str:
        """Short and human: 'latency 300 ms on /orders', 'error_rate 50%', 'paused',
        'reset on POST /orders', 'crash at charge (key 5)'."""
        o = self.options
        if self.kind == "crash":
            key = f" (key {o['key']})" if o.get("key") is not None else ""
            return f"{'hold' if o.get('mode') == 'hold' else 'crash'} at {o.get('point')}{key}"
        text = {
            "kill": "killed",
            "pause": "paused",
            "partition": "partitioned",
            "latency": f"latency {o.get('latency_ms')} ms",
            "error_rate": f"error_rate {float(o.get('rate', 1.0)):.0%} ({o.get('status', 503)})",
            "fail_next": f"fail_next {o.get('count', 1)} ({o.get('status', 503)})",
            "reset": "reset" if float(o.get("rate", 1.0)) >= 1.0 else f"reset {o['rate']:.0%}",
        }.get(self.kind, self.kind)
        where = " ".join(str(part) for part in (o.get("method"), o.get("route")) if part)
        return f"{text} on {where}" if where else text


def active(deployment: Deployment) -> list[ActiveFault]:
    """The faults recorded for this run, oldest first."""
    try:
        data = json.loads((deployment.run_dir / RECORD).read_text(encoding="utf-8"))
        return [ActiveFault(**item) for item in data]
    except (OSError, ValueError, TypeError):
        return []


def by_service(deployment: Deployment) -> dict[str, list[str]]:
    """Descriptions of the active faults per service (what `status` shows)."""
    result: dict[str, list[str]] = {}
    for fault in active(deployment):
        result.setdefault(fault.service, []).append(fault.describe())
    return result


def add(deployment: Deployment, fault: ActiveFault) -> None:
    update(deployment, lambda faults: [*faults, fault])


def forget(deployment: Deployment, service: str) -> None:
    """Drop what a restart of the service ended (after every restart, however it was asked for).

    A new process has no kit faults and is neither killed nor paused. A Docker partition is a
    network setting that outlives the process, so it stays recorded there (local partitions are
    kit faults and end with the process).
    """

    def keep(fault: ActiveFault) -> bool:
        return fault.service != service or (
            fault.kind == "partition" and deployment.runtime != "local"
        )

    update(deployment, lambda faults: [f for f in faults if keep(f)])


def update(
    deployment: Deployment, change: Callable[[list[ActiveFault]], list[ActiveFault]]
) -> None:
    """Replace the record by `change(record)`, under the lock."""
    with locked(deployment):
        save(deployment, change(active(deployment)))


def save(deployment: Deployment, faults: list[ActiveFault]) -> None:
    """Write the record as is (atomically); hold `locked(deployment)` around read and write."""
    path = deployment.run_dir / RECORD
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([asdict(f) for f in faults], indent=2), encoding="utf-8")
    tmp.replace(path)


@contextlib.contextmanager
def locked(deployment: Deployment) -> Iterator[None]:
    """Serialise read-modify-write of faults.json between shells (and check threads)."""
    deployment.run_dir.mkdir(parents=True, exist_ok=True)
    with (deployment.run_dir / (RECORD + ".lock")).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
