"""Running a lab for an author's tool (self-test, generated mutants, fault coverage).

The runtime chosen, ready for the lab (on Docker its images baked once, with progress, before any
start's deadline counts), and a failed start cleaned up: the runtime keeps the other services of
a failed start running for a learner to fix the failing one; here nobody will.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.lab.model import Lab
    from workbench.runtime.base import Runtime

StepCallback = Callable[[str], None]


class NoSolutionError(WorkbenchError):
    """The lab has no solution/ to work on."""


def require_solution(lab: Lab, what: str) -> None:
    if not lab.solution_dir.is_dir():
        raise NoSolutionError(
            f"lab {lab.id!r} has no solution/ folder, so there is nothing to {what}"
        )


def runtime_for_lab(lab: Lab, runtime: str, step: StepCallback) -> Runtime | None:
    """The runtime the lab runs on (None when no exercise needs services), ready for it."""
    if not lab.needs_services():
        return None
    from workbench.runtime.select import get_runtime

    engine = get_runtime(runtime)
    if engine.name == "docker":
        bake(lab, step)
    return engine


def bake(lab: Lab, step: StepCallback) -> None:
    from workbench.bakery.bake import ensure_images
    from workbench.bakery.progress import BakeEvent, BakePhase

    def on_bake(event: BakeEvent) -> None:
        if event.phase is BakePhase.CACHED:
            return
        where = f" ({event.step}/{event.total})" if event.total else ""
        detail = f": {event.detail}" if event.detail else ""
        step(f"baking {event.image}: {event.phase}{where}{detail}")

    step(f"baking the images of {lab.id} (only what changed)")
    ensure_images(lab, on_bake)


def stop_failed_start(engine: Runtime, run_id: str) -> None:
    """Stop what a start that raised StartFailedError left running."""
    from workbench.runtime.runs import load_run, remove_run, run_dir_of

    deployment = load_run(run_dir_of(run_id))
    if deployment is not None:
        engine.down(deployment)
    else:
        remove_run(run_dir_of(run_id))
