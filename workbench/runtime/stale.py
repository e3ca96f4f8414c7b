"""Stale runs: a recorded run (its run.json is there) whose services are all gone.

A reboot ends a local run's processes, `docker rm` or a pruned engine removes a run's containers,
and a self-test or a script may delete the workspace a run was started on; the run folder stays.
`inspect_run` tells the front ends so, and what to do about it (`lab stop` then `lab start`, or
`workbench gc`), instead of letting them use a run that answers nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import RuntimeUnavailableError
from workbench.runtime import runs
from workbench.runtime.base import Deployment, ServiceState, ServiceStatus

GONE = frozenset({ServiceState.STOPPED, ServiceState.CRASHED})


@dataclass(frozen=True)
class RunHealth:
    deployment: Deployment
    statuses: list[ServiceStatus]
    runtime_missing: str = ""
    """Why the run's runtime could not be asked (no Docker engine answers), or ''."""

    @property
    def services_gone(self) -> bool:
        """No service of the run runs any more (every one stopped or crashed)."""
        return all(s.state in GONE for s in self.statuses)

    @property
    def workspace_gone(self) -> bool:
        workspace = self.deployment.workspace
        return workspace is not None and not workspace.is_dir()

    @property
    def stale(self) -> bool:
        """Nothing of the run is left but its record: replace it, never use it."""
        return self.services_gone

    def problem(self) -> str:
        """What is wrong with the run, as a sentence; '' when nothing is."""
        d = self.deployment
        parts = []
        if self.runtime_missing:
            parts.append(f"its runtime cannot say whether it runs ({self.runtime_missing})")
        elif self.services_gone:
            parts.append(
                "none of its services runs any more (they stopped or crashed: after a reboot, "
                "or their processes or containers were removed)"
            )
        if self.workspace_gone:
            parts.append(f"its workspace {d.workspace} no longer exists")
        if not parts:
            return ""
        return f"the recorded run {d.run_id} of lab {d.lab_id!r}: " + "; ".join(parts)

    def hint(self) -> str:
        lab = self.deployment.lab_id
        return (
            f"clean it up with `workbench lab stop {lab}` (or `workbench gc` for every run), "
            f"then start again with `workbench lab start {lab}`"
        )


def inspect_run(deployment: Deployment) -> RunHealth:
    """The run's service states, asked from the runtime that made it."""
    from workbench.runtime.select import runtime_for

    try:
        statuses = runtime_for(deployment).status(deployment)
    except RuntimeUnavailableError as exc:
        gone = [
            ServiceStatus(name, ServiceState.STOPPED, endpoint.url, "its runtime does not answer")
            for name, endpoint in deployment.endpoints.items()
        ]
        return RunHealth(deployment, gone, runtime_missing=exc.message)
    return RunHealth(deployment, statuses)


def clean_up(health: RunHealth) -> None:
    """Remove a stale run: through its runtime when that answers, else its folder alone (`gc`
    removes its containers once the engine is back)."""
    from workbench.runtime.select import runtime_for

    if health.runtime_missing:
        runs.remove_run(health.deployment.run_dir)
        return
    runtime_for(health.deployment).down(health.deployment)
