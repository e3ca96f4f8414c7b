"""Running generated mutants against a lab's checks, with the lab started once.

The solution is copied to a temporary workspace and the lab started on it (nothing is started for
a files-only lab). The solution's checks run first: a mutation run on checks that fail on the
solution would call every mutant killed. Then, for each mutant, its file in the workspace is
overwritten with the mutated text, the services that load workspace files (lab.yaml
`workspace: true`) are restarted and waited for, the checks of the exercises that file belongs to
run, stopping at the first failure, and the file is restored. The lab's own files are never
written.

Verdicts: a check that fails or cannot finish kills the mutant; a check that hangs past its
timeout, or a whole run past the mutant's deadline, makes it "timed out" (and the lab is
restarted before the next mutant, as the hang may have left faults in place); a file that does
not import, or services that never get ready on it, make it "not loadable". Ctrl-C stops the lab,
discards the workspace and returns the report so far.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.authoring.labrun import (
    StepCallback,
    require_solution,
    runtime_for_lab,
    stop_failed_start,
)
from workbench.authoring.mutants import copy_tree
from workbench.authoring.mutation.equivalents import Equivalents
from workbench.authoring.mutation.operators import Mutation, mutations_of
from workbench.authoring.mutation.report import MutantResult, MutationReport, Verdict, unified_diff
from workbench.checkrun import warm
from workbench.checkrun.results import CheckRun, Outcome
from workbench.checkrun.runner import (
    CHECK_TIMEOUT,
    files_that_do_not_load,
    run_checks,
    sandbox_for,
    select_exercises,
)
from workbench.errors import StartFailedError, WorkbenchError
from workbench.lab.model import Lab, ServiceKind

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment, Runtime

_TIMEOUT_MARK = "did not finish within"
"""How the runner says a check (pytest-timeout) or the whole run (the deadline) hung."""


class SolutionFailsError(WorkbenchError):
    """The solution's own checks do not pass: every mutant would look killed."""


@dataclass(frozen=True)
class Planned:
    mutation: Mutation
    exercises: tuple[str, ...]
    original: str
    """The solution file's text."""

    @property
    def mutated(self) -> str:
        return self.mutation.apply(self.original)

    @property
    def diff(self) -> str:
        return unified_diff(self.mutation.file, self.original, self.mutated)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    killed: int
    survived: int
    elapsed: float
    eta: float | None
    """Seconds left, from the mean time per mutant run so far."""
    current: str
    last: MutantResult | None = None
    """The mutant judged since the previous call, if any."""


ProgressCallback = Callable[[Progress], None]


def plan(lab: Lab, exercise: str | None = None) -> list[Planned]:
    """Every mutation of the solution's learner files (those the exercises name), in order."""
    require_solution(lab, "mutate")
    files: dict[str, list[str]] = {}
    for ex in select_exercises(lab, exercise):
        for rel in lab.exercise(ex).files:
            if rel.endswith(".py") and (lab.solution_dir / rel).is_file():
                files.setdefault(rel, []).append(ex)
    planned: list[Planned] = []
    for rel, exercises in files.items():
        text = (lab.solution_dir / rel).read_text(encoding="utf-8")
        planned.extend(Planned(m, tuple(exercises), text) for m in mutations_of(text, rel))
    return planned


def choose(
    planned: list[Planned],
    *,
    only: Iterable[str] = (),
    sample: int | None = None,
    seed: int = 0,
    limit: int | None = None,
) -> tuple[list[Planned], str]:
    """The mutants to run and a phrase saying how they were chosen.

    `only` (fingerprints) first, then a seeded random `sample` (kept in source order), then the
    first `limit`. An unknown fingerprint is an error naming it.
    """
    chosen = list(planned)
    how: list[str] = []
    wanted = list(dict.fromkeys(only))
    if wanted:
        known = {p.mutation.fingerprint for p in planned}
        unknown = [fp for fp in wanted if fp not in known]
        if unknown:
            raise WorkbenchError(
                f"no generated mutant has the fingerprint {', '.join(unknown)}",
                "the code changed since it was noted, or it belongs to another exercise; "
                "`--json -` lists every fingerprint",
            )
        chosen = [p for p in chosen if p.mutation.fingerprint in set(wanted)]
        how.append(f"only {len(wanted)} fingerprint(s)")
    if sample is not None and sample < len(chosen):
        picked = set(random.Random(seed).sample(range(len(chosen)), sample))
        chosen = [p for i, p in enumerate(chosen) if i in picked]
        how.append(f"a sample of {sample} (seed {seed})")
    if limit is not None and limit < len(chosen):
        chosen = chosen[:limit]
        how.append(f"the first {limit}")
    return chosen, ", ".join(how) or "all"


def run_mutants(
    lab: Lab,
    chosen: list[Planned],
    *,
    generated: int,
    selection: str = "all",
    equivalents: Equivalents | None = None,
    runtime: str = "local",
    check_timeout: float = CHECK_TIMEOUT,
    mutant_timeout: float | None = None,
    on_step: StepCallback | None = None,
    on_progress: ProgressCallback | None = None,
    solution_duration: float | None = None,
) -> MutationReport:
    """Run each chosen mutant against its exercises' checks (see the module's docstring).

    `solution_duration`: the solution's checks were just seen passing, in that many seconds (the
    self-test's solution variant), so they are not run again first.

    Raises SolutionFailsError when the solution's checks do not pass, and WorkbenchError when the
    lab does not start on the solution.
    """
    warm.enable()  # a check run per mutant: forked warm, not started cold
    step = on_step or (lambda _msg: None)
    exercises = [e.id for e in lab.exercises if any(e.id in p.exercises for p in chosen)]
    started = lab.needs_services(exercises) if exercises else False
    report = MutationReport(
        lab.id, runtime if started else None, generated, selection, planned=len(chosen)
    )
    if equivalents is not None:
        report.problems.extend(equivalents.problems)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"workbench-mutate-{lab.id}-") as tmp:
        workspace = copy_tree(lab.solution_dir, Path(tmp) / "workspace")
        session = _LabSession(lab, workspace, runtime if started else None, step)
        try:
            session.start()
            if chosen:
                report.baseline_duration = (
                    solution_duration
                    if solution_duration is not None
                    else session.baseline(exercises, check_timeout)
                )
                deadline = mutant_timeout or max(60.0, 3 * report.baseline_duration + 30.0)
                _run_each(session, chosen, report, equivalents=equivalents,
                          check_timeout=check_timeout, deadline=deadline,
                          on_progress=on_progress)  # fmt: skip
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            step("stopping the lab")
            session.stop()
    report.duration = time.monotonic() - began
    return report


def _run_each(
    session: _LabSession,
    chosen: list[Planned],
    report: MutationReport,
    *,
    equivalents: Equivalents | None,
    check_timeout: float,
    deadline: float,
    on_progress: ProgressCallback | None,
) -> None:
    began = time.monotonic()
    ran = 0
    for done, planned in enumerate(chosen):
        if on_progress is not None:
            on_progress(_progress(report, done, len(chosen), began=began, ran=ran, planned=planned))
        reason = equivalents.reason(planned.mutation.fingerprint) if equivalents else None
        if reason is not None:
            report.results.append(
                MutantResult(
                    planned.mutation, Verdict.EQUIVALENT, planned.exercises, planned.diff, reason
                )
            )
            continue
        result = session.try_mutant(planned, check_timeout, deadline)
        ran += 1
        report.results.append(result)
        if result.verdict is Verdict.TIMED_OUT:
            try:
                session.restart_lab()
            except WorkbenchError as exc:  # keep what was found; say why the rest was not run
                report.problems.append(
                    f"stopped after mutant {planned.mutation.fingerprint} timed out: the lab "
                    f"did not start again ({exc.message})"
                )
                report.interrupted = True
                return
    if on_progress is not None and chosen:
        on_progress(_progress(report, len(chosen), len(chosen), began=began, ran=ran, planned=None))


def _progress(
    report: MutationReport, done: int, total: int, *, began: float, ran: int,
    planned: Planned | None,
) -> Progress:  # fmt: skip
    elapsed = time.monotonic() - began
    remaining = total - done
    eta = elapsed / ran * remaining if ran else None
    current = f"{planned.mutation.file}:{planned.mutation.line} {planned.mutation.operator}" if (
        planned) else ""  # fmt: skip
    last = report.results[-1] if report.results and len(report.results) == done else None
    return Progress(done, total, report.killed_total, report.count(Verdict.SURVIVED), elapsed,
                    eta, current, last)  # fmt: skip


class _LabSession:
    """The lab running on the workspace (or nothing, for files-only checks), and its restarts."""

    def __init__(self, lab: Lab, workspace: Path, runtime: str | None, step: StepCallback) -> None:
        self.lab = lab
        self.workspace = workspace
        self.runtime = runtime
        self.step = step
        self.engine: Runtime | None = None
        self.deployment: Deployment | None = None
        self.reloaded = [
            s.name for s in lab.services if s.workspace and s.kind is ServiceKind.PYTHON
        ]

    def start(self) -> None:
        if self.runtime is None:
            return
        self.engine = runtime_for_lab(self.lab, self.runtime, self.step)
        if self.engine is None:
            return
        self.step(f"starting {self.lab.id} on the {self.runtime} runtime")
        try:
            self.deployment = self.engine.up(self.lab, self.workspace)
        except StartFailedError as exc:
            stop_failed_start(self.engine, exc.run_id)
            raise WorkbenchError(
                f"the lab's services did not start on the solution: {exc.message}"
            ) from None

    def stop(self) -> None:
        if self.engine is not None and self.deployment is not None:
            self.engine.down(self.deployment)
            self.deployment = None

    def restart_lab(self) -> None:
        """After a hang: the checks' process was killed before it could undo its faults."""
        self.step("restarting the lab after a mutant that timed out")
        self.stop()
        self.start()

    def baseline(self, exercises: list[str], check_timeout: float) -> float:
        self.step("running the checks on the solution")
        run = self._checks(exercises, check_timeout, deadline=600.0, precheck=True)
        if not run.passed:
            raise SolutionFailsError(
                f"the checks do not pass on the solution ({_why(run)}); "
                "fix the solution or the checks before mutating"
            )
        return run.duration

    def try_mutant(self, planned: Planned, check_timeout: float, deadline: float) -> MutantResult:
        began = time.monotonic()
        target = self.workspace / planned.mutation.file
        target.write_text(planned.mutated, encoding="utf-8")
        try:
            verdict, detail = self._judge(planned, check_timeout, deadline)
        finally:
            target.write_text(planned.original, encoding="utf-8")
        return MutantResult(planned.mutation, verdict, planned.exercises, planned.diff, detail,
                            time.monotonic() - began)  # fmt: skip

    def _judge(
        self, planned: Planned, check_timeout: float, deadline: float
    ) -> tuple[Verdict, str]:
        exercises = list(planned.exercises)
        if self.deployment is not None:
            if planned.mutation.qualname == "<module>":  # only module-level code runs at import
                broken = files_that_do_not_load(
                    self.lab, self.workspace, exercises,
                    sandbox=sandbox_for(self.lab, self.deployment),
                )  # fmt: skip
                if broken is not None:
                    return Verdict.NOT_LOADABLE, _why(broken)
            assert self.engine is not None
            for service in self.reloaded:
                try:
                    self.engine.restart(self.deployment, service)
                except StartFailedError as exc:
                    return Verdict.NOT_LOADABLE, f"the services did not get ready: {exc.message}"
        run = self._checks(exercises, check_timeout, deadline, precheck=self.deployment is None)
        return verdict_of(run)

    def _checks(
        self, exercises: list[str], check_timeout: float, deadline: float, *, precheck: bool
    ) -> CheckRun:
        return run_checks(
            self.lab,
            self.workspace,
            exercises=exercises,
            deployment=self.deployment,
            stop_at_failure=True,
            check_timeout=check_timeout,
            deadline=deadline,
            precheck=precheck,
        )


def verdict_of(run: CheckRun) -> tuple[Verdict, str]:
    """What the checks' run says of a mutant, and the sentence that says why."""
    if run.import_problems:
        return Verdict.NOT_LOADABLE, _why(run)
    if run.passed:
        return Verdict.SURVIVED, ""
    failed = [r for r in run.results if r.outcome is Outcome.FAILED]
    if failed:
        return Verdict.KILLED, f"{failed[0].id}: {failed[0].message}"
    errors = [r for r in run.results if r.outcome is Outcome.ERROR]
    if (run.error and _TIMEOUT_MARK in run.error) or any(
        _TIMEOUT_MARK in r.message for r in errors
    ):
        return Verdict.TIMED_OUT, _why(run)
    return Verdict.KILLED, _why(run)


def _why(run: CheckRun) -> str:
    if run.import_problems:
        return "its files do not load: " + "; ".join(str(p) for p in run.import_problems)
    failing = [r for r in run.results if not r.ok]
    if failing:
        return f"{failing[0].id}: {failing[0].message}"
    return run.error or "no check ran"
