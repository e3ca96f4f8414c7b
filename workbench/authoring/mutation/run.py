"""`workbench labs mutate`: plan, choose and run a lab's generated mutants (one entry point)."""

from __future__ import annotations

from collections.abc import Iterable

from workbench.authoring.labrun import StepCallback
from workbench.authoring.mutation.engine import ProgressCallback, choose, plan, run_mutants
from workbench.authoring.mutation.equivalents import read_equivalents
from workbench.authoring.mutation.report import MutationReport
from workbench.checkrun.runner import CHECK_TIMEOUT
from workbench.lab.model import Lab


def mutate(
    lab: Lab,
    *,
    exercise: str | None = None,
    runtime: str = "local",
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    only: Iterable[str] = (),
    skip_equivalent: bool = False,
    check_timeout: float = CHECK_TIMEOUT,
    mutant_timeout: float | None = None,
    on_step: StepCallback | None = None,
    on_progress: ProgressCallback | None = None,
    solution_duration: float | None = None,
) -> MutationReport:
    """Generate the solution's mutants, choose some, run them; the report says what survived.

    With `skip_equivalent`, mutants recorded as equivalent are left out before sampling (the
    self-test wants N mutants that can fail it), else they are reported apart without running.
    """
    planned = plan(lab, exercise)
    equivalents = read_equivalents(lab.mutants_dir)
    everything = planned if exercise is None else plan(lab)
    stale = equivalents.stale({p.mutation.fingerprint for p in everything})
    pool = planned
    if skip_equivalent:
        pool = [p for p in planned if equivalents.reason(p.mutation.fingerprint) is None]
    chosen, selection = choose(pool, only=only, sample=sample, seed=seed, limit=limit)
    report = run_mutants(
        lab,
        chosen,
        generated=len(planned),
        selection=selection,
        equivalents=equivalents,
        runtime=runtime,
        check_timeout=check_timeout,
        mutant_timeout=mutant_timeout,
        on_step=on_step,
        on_progress=on_progress,
        solution_duration=solution_duration,
    )
    report.problems.extend(stale)
    return report
