"""Is the lab up? Services found not running that no check took down (in the checks' process).

A check that cannot reach a service the learner did not break (stopped or paused by hand, its
process killed, its container removed) says nothing about the learner's code: the plugin asks
this module before the first check that drives the lab, after every check of the lab that does
not pass, and before every check while a service is found down, and then reports the check as an
*error* naming the service and the command that brings it back, never as a verdict.

What the checks break themselves (the `faults` fixture, `Faults`: kill, pause, a restart under
way or one that failed) is theirs: `workbench.checks.faults.taken_down()` keeps it for this
process, and such a service is not blamed on the lab. The run's fault record cannot tell the two
apart (`workbench fault saga payment kill` in a shell is recorded there too), so it is not used.

The runtime is asked through the deployment (`runtime_for(deployment).status`), lazily: a lab's
checks that never fail pay for one look.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.checks.faults import seen_running, taken_down

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment, Runtime, ServiceStatus


class LabNotRunningError(Exception):
    """A service of the lab is not running and no check took it down; the message says so."""


_runtimes: dict[str, Runtime] = {}
"""One runtime per run (the Docker runtime holds an engine connection)."""


def runtime_of(deployment: Deployment) -> Runtime:
    """The runtime of the run, made once per run for this process."""
    from workbench.runtime.select import runtime_for

    runtime = _runtimes.get(deployment.run_id) or runtime_for(deployment)
    _runtimes[deployment.run_id] = runtime
    return runtime


def down(deployment: Deployment) -> list[ServiceStatus]:
    """The lab's services that are not running (crashed, stopped, paused, no container) and that
    no check took down. Empty when the runtime cannot tell (then nothing is blamed on the lab)."""
    from workbench.runtime.base import ServiceState

    try:
        statuses = runtime_of(deployment).status(deployment)
    except Exception:  # no engine, a run folder going away: the check's own message stands
        return []
    seen_running(s.service for s in statuses if s.state is ServiceState.READY)
    ours = taken_down()
    stopped = (ServiceState.CRASHED, ServiceState.STOPPED, ServiceState.PAUSED)
    return [s for s in statuses if s.state in stopped and s.service not in ours]


def problem(deployment: Deployment) -> str | None:
    """The sentence for a check that needs the lab while it is not (all) running, or None."""
    if not (deployment.run_dir / deployment.RECORD).is_file():
        return (
            f"the lab {deployment.lab_id} was stopped while the checks ran — "
            f"`workbench lab start {deployment.lab_id}`; this check could not run, so it says "
            "nothing about your code"
        )
    found = down(deployment)
    return message(deployment.lab_id, found) if found else None


def message(lab_id: str, services: list[ServiceStatus]) -> str:
    """'payment is not running — `workbench lab restart saga payment`; …' for every service."""
    from workbench.runtime.base import ServiceState

    parts = []
    for status in services:
        what = "is paused" if status.state is ServiceState.PAUSED else "is not running"
        how = f"`workbench lab restart {lab_id} {status.service}`"
        parts.append(f"{status.service} {what} — {how}")
    return "; ".join(parts) + " (this check could not run, so it says nothing about your code)"
