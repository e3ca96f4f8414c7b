"""Running labs seen from any shell: find a run, the health of every run, stop runs.

A run is found by lab id (its newest run) or by run id, in the run folders, so these work from any
shell and after the process that started the run has gone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from workbench.runtime import runs
from workbench.runtime.base import Deployment
from workbench.runtime.stale import RunHealth

__all__ = ["RunHealth", "Stopped", "find", "health", "stop"]


def find(lab_or_run: str) -> Deployment:
    """The newest run of a lab, or the run with this id; NotRunningError says how to start it."""
    return runs.find_run(lab_or_run)


def health(lab_or_run: str | None = None) -> list[RunHealth]:
    """Every running lab (or the one named): states, URLs, active faults, and what is wrong."""
    from workbench.runtime.stale import inspect_run

    targets = [runs.find_run(lab_or_run)] if lab_or_run else runs.list_runs()
    return [inspect_run(d) for d in targets]


@dataclass(frozen=True)
class Stopped:
    deployment: Deployment
    seconds: float


def stop(lab_or_run: str | None = None, *, every_run: bool = False) -> list[Stopped]:
    """Stop a lab's newest run (or, with `every_run`, all of its runs; with no lab, every run of
    every lab) and remove what it created, and the folders starts killed before they recorded
    their run left (`runs.remove_unrecorded`)."""
    from workbench.runtime.select import runtime_for

    if lab_or_run is not None or every_run:  # what starts killed before their record left
        runs.remove_unrecorded(lab_or_run)
    if lab_or_run is None:
        targets = runs.list_runs() if every_run else []
    elif every_run:
        targets = runs.list_runs(runs.find_run(lab_or_run).lab_id)
    else:
        targets = [runs.find_run(lab_or_run)]
    stopped = []
    for deployment in targets:
        began = time.monotonic()
        runtime_for(deployment).down(deployment)
        stopped.append(Stopped(deployment, time.monotonic() - began))
    return stopped
