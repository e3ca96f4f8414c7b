"""Labs prove their own checks: `workbench labs selftest [LAB] [--runtime local|docker]`.

For every exercise of a lab, its checks must
- fail on `starter/` (a check that passes the handed-out files teaches nothing),
- pass on `solution/`,
- fail on each mutant that targets it (a known-wrong solution, one common mistake each:
  `mutants/<name>.patch`, a patch against `solution/` applied to a copy of it, see `mutants`).
An exercise without a mutant fails the self-test, and so do checks not tagged with a known exercise
and a mutant whose patch no longer applies to the solution (the message names the mutant, the file
and the hunk).

Labs with services get a deployment per variant on the chosen runtime, stopped afterwards (also
when some of its services did not start: a self-test leaves nothing running); a variant whose
exercises are all files-only (`needs_services: false`, and every exercise of a design lab) is
checked on the workspace alone, with nothing started. On Docker the lab's images are baked once,
before the first variant, so each variant's start deadline covers starting only.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.authoring.generated import generated_verdicts
from workbench.authoring.labrun import StepCallback, runtime_for_lab, stop_failed_start
from workbench.authoring.mutants import MutantError, copy_tree, read_mutants
from workbench.checkrun import warm
from workbench.checkrun.results import CheckRun, ExerciseStatus, Outcome
from workbench.checkrun.runner import CHECK_TIMEOUT, files_that_do_not_load, run_checks
from workbench.errors import StartFailedError
from workbench.lab.model import Lab

if TYPE_CHECKING:
    from workbench.runtime.base import Runtime


@dataclass(frozen=True)
class VariantResult:
    variant: str
    """'starter', 'solution' or 'mutant <name>'."""
    expectation: str
    """What the checks must do on it, in words ("fail every exercise")."""
    ok: bool
    detail: str
    run: CheckRun | None = None


@dataclass
class SelftestReport:
    lab_id: str
    runtime: str | None
    variants: list[VariantResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """What is wrong with the lab's checks or mutants, each a sentence for the lab author."""

    @property
    def ok(self) -> bool:
        return not self.problems and all(v.ok for v in self.variants)


def selftest(
    lab: Lab,
    *,
    runtime: str = "local",
    on_step: StepCallback | None = None,
    check_timeout: float = CHECK_TIMEOUT,
    generated: int = 0,
    seed: int = 0,
) -> SelftestReport:
    """`generated`: also run a sample of that many generated mutants (`seed`), after the
    hand-written ones; each survivor not recorded as equivalent fails the self-test."""
    step = on_step or (lambda _msg: None)
    warm.enable()  # a check run per variant: forked warm, not started cold
    report = SelftestReport(lab.id, runtime if lab.needs_services() else None)
    if not lab.exercises:
        report.problems.append("the lab has no exercises")
        return report
    mutants, problems = read_mutants(lab)
    report.problems.extend(p.message for p in problems)
    every = [e.id for e in lab.exercises]
    engine = runtime_for_lab(lab, runtime, step)
    with tempfile.TemporaryDirectory(prefix=f"workbench-selftest-{lab.id}-") as tmp:
        root = Path(tmp)

        def check(
            variant: str, folder: Path, exercises: list[str], *, stop: bool = False
        ) -> CheckRun:
            runs = engine is not None and lab.needs_services(exercises or None)
            where = f" on the {runtime} runtime" if runs else " (files only)"
            step(f"{variant}: checking{where}")
            return _check_variant(lab, folder, exercises, engine, check_timeout, stop=stop)

        starter = copy_tree(lab.starter_dir, root / "starter")
        run = check("starter", starter, [])  # [] = every check, tagged or not
        report.variants.append(_expect_fail("starter", run, every))
        report.problems.extend(_tagging_problems(lab, run))

        solution = copy_tree(lab.solution_dir, root / "solution")
        run = check("solution", solution, [])
        solution_ok = _expect_pass(run)
        report.variants.append(solution_ok)

        for mutant in mutants:
            if mutant.exercise not in every:
                continue
            variant = f"mutant {mutant.name}"
            try:
                folder = mutant.materialise(lab.solution_dir, root / f"mutant-{mutant.name}")
            except MutantError as exc:
                expectation = f"checks fail on {mutant.exercise}"
                report.variants.append(VariantResult(variant, expectation, False, str(exc)))
                continue
            # One failing check rejects a mutant, so its checks stop at the first failure (a
            # self-test spends most of its time on mutants). A run stopped by a check that could
            # not finish says nothing yet: then every check of the exercise runs, as before.
            run = check(variant, folder, [mutant.exercise], stop=True)
            judged = _expect_fail(variant, run, [mutant.exercise])
            if not judged.ok and _stopped_without_verdict(run, mutant.exercise):
                run = check(variant, folder, [mutant.exercise])
                judged = _expect_fail(variant, run, [mutant.exercise])
            report.variants.append(judged)
    if generated and solution_ok.ok and solution_ok.run is not None:
        for verdict in generated_verdicts(
            lab, generated, seed=seed, runtime=runtime, step=step, check_timeout=check_timeout,
            solution_duration=solution_ok.run.duration,
        ):  # fmt: skip
            report.variants.append(
                VariantResult(verdict.variant, verdict.expectation, verdict.ok, verdict.detail)
            )
    elif generated:
        report.variants.append(
            VariantResult(
                f"{generated} generated mutants",
                "checks reject them",
                False,
                "not run: the checks must pass on the solution first",
            )
        )
    return report


def _stopped_without_verdict(run: CheckRun, exercise: str) -> bool:
    """A run that stopped at a check which crashed or timed out, before any check failed."""
    if run.import_problems or run.error:
        return False
    failed = any(r.outcome is Outcome.FAILED and r.exercise == exercise for r in run.results)
    return not failed and any(not r.ok for r in run.results)


def _check_variant(
    lab: Lab,
    workspace: Path,
    exercises: list[str],
    engine: Runtime | None,
    check_timeout: float,
    *,
    stop: bool = False,
) -> CheckRun:
    only = exercises or None  # None: every check of the lab, including untagged ones
    if engine is None or not lab.needs_services(only):  # files only: nothing to start
        return run_checks(
            lab, workspace, exercises=only, stop_at_failure=stop, check_timeout=check_timeout
        )
    # Files that do not load are the variant's verdict; starting services on them would only
    # crash them (as `workbench check` does, the pre-check comes first).
    # The variants are the lab's own files (starter, solution, mutants): the author's code, run
    # on the host like its checks, also on Docker (learners' files: `workbench.app.checking`).
    not_loading = files_that_do_not_load(lab, workspace, only)
    if not_loading is not None:
        return not_loading
    try:
        deployment = engine.up(lab, workspace)
    except StartFailedError as exc:
        # The runtime keeps the other services of a failed start running, for a learner to fix
        # the failing one; here nobody will, and the workspace is about to be deleted.
        stop_failed_start(engine, exc.run_id)
        return _not_started(lab, workspace, only, exc)
    try:
        return run_checks(
            lab,
            workspace,
            exercises=only,
            deployment=deployment,
            stop_at_failure=stop,
            check_timeout=check_timeout,
            precheck=False,
        )
    finally:
        engine.down(deployment)


def _not_started(
    lab: Lab, workspace: Path, exercises: list[str] | None, exc: StartFailedError
) -> CheckRun:
    return CheckRun(
        lab_id=lab.id,
        workspace=str(workspace),
        selected=exercises if exercises is not None else [e.id for e in lab.exercises],
        error=f"the lab's services did not start on it: {exc.message}",
        run_id=exc.run_id,
    )


def _explain(run: CheckRun) -> str:
    if run.import_problems:
        return "its files do not load: " + "; ".join(str(p) for p in run.import_problems)
    if run.error:
        return run.error
    return ""


def _expect_fail(variant: str, run: CheckRun, exercises: list[str]) -> VariantResult:
    expectation = f"checks fail on {', '.join(exercises)}"
    if run.import_problems:
        ok = variant != "starter"  # a starter that does not load is a broken hand-out
        return VariantResult(
            variant, expectation, ok, "rejected before any check ran: " + _explain(run), run
        )
    if run.error:
        return VariantResult(variant, expectation, False, run.error, run)
    passing = [e.id for e in run.exercises() if e.status is ExerciseStatus.PASSED]
    unchecked = [
        e.id
        for e in run.exercises()
        if e.status is not ExerciseStatus.FAILED and e.id not in passing
    ]
    if passing:
        what = "the handed-out starter" if variant == "starter" else "this known-wrong solution"
        return VariantResult(
            variant,
            expectation,
            False,
            f"checks of {', '.join(passing)} PASS on {what}: they must reject it",
            run,
        )
    if unchecked:
        return VariantResult(
            variant,
            expectation,
            False,
            f"{', '.join(unchecked)} not checked (no checks ran for it)",
            run,
        )
    verdicts = [r for r in run.results if r.outcome is Outcome.FAILED and r.exercise in exercises]
    if not verdicts:
        # Rejected only by checks that crashed or timed out: the learner would get "could not
        # finish" instead of a sentence about the mistake.
        errors = "; ".join(f"{r.name}: {r.message}" for r in run.results if not r.ok)
        return VariantResult(variant, expectation, False,
                             "rejected only by checks that could not finish, never with a "
                             f"message for the learner ({errors})", run)  # fmt: skip
    return VariantResult(variant, expectation, True, f"rejected: {verdicts[0].message}", run)


def _expect_pass(run: CheckRun) -> VariantResult:
    expectation = "every check passes"
    if run.passed:
        return VariantResult(
            "solution", expectation, True, f"{run.counts()['passed']} checks passed", run
        )
    if run.import_problems or run.error:
        return VariantResult("solution", expectation, False, _explain(run), run)
    failing = [r for r in run.results if not r.ok]
    detail = "; ".join(f"{r.name}: {r.message}" for r in failing[:3])
    empty = [e.id for e in run.exercises() if e.status is ExerciseStatus.NO_CHECKS]
    if empty:
        detail = (detail + "; " if detail else "") + f"no checks for {', '.join(empty)}"
    return VariantResult("solution", expectation, False, f"fails on the solution: {detail}", run)


def _tagging_problems(lab: Lab, run: CheckRun) -> list[str]:
    known = {e.id for e in lab.exercises}
    problems = []
    for result in run.results:
        if result.exercise is None and "::" in result.id:
            problems.append(f'check {result.id} has no @pytest.mark.exercise("<id>")')
        elif result.exercise is not None and result.exercise not in known:
            problems.append(
                f"check {result.id} is tagged with unknown exercise {result.exercise!r}"
            )
    return problems
