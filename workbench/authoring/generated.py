"""The self-test's generated mutants: a seeded sample run through the mutation engine.

`workbench labs selftest saga --generated 10` runs that many generated mutants (those recorded as
equivalent in mutants/EQUIVALENT.md left out) after the hand-written ones, with the lab started
once for all of them, and fails on each survivor.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.authoring.labrun import StepCallback
from workbench.authoring.mutation.report import Verdict
from workbench.authoring.mutation.run import mutate
from workbench.checkrun.runner import CHECK_TIMEOUT
from workbench.errors import WorkbenchError
from workbench.lab.model import Lab


@dataclass(frozen=True)
class GeneratedVerdict:
    variant: str
    expectation: str
    ok: bool
    detail: str


def generated_verdicts(
    lab: Lab,
    count: int,
    *,
    seed: int = 0,
    runtime: str = "local",
    step: StepCallback | None = None,
    check_timeout: float = CHECK_TIMEOUT,
    solution_duration: float | None = None,
) -> list[GeneratedVerdict]:
    """One verdict for the sample as a whole, then one failing verdict per survivor."""
    name = f"{count} generated mutants (seed {seed})"
    expectation = "the checks reject every one not recorded as equivalent"
    try:
        report = mutate(
            lab, runtime=runtime, sample=count, seed=seed, skip_equivalent=True,
            check_timeout=check_timeout, on_step=step, solution_duration=solution_duration,
        )  # fmt: skip
    except WorkbenchError as exc:
        return [GeneratedVerdict(name, expectation, False, exc.message)]
    if report.interrupted:
        raise KeyboardInterrupt
    counts = report.counts()
    summary = (
        f"{counts['killed']} killed, {counts['timed out']} timed out, "
        f"{counts['not loadable']} not loadable, {counts['survived']} survived"
    )
    verdicts = [GeneratedVerdict(name, expectation, report.ok, summary)]
    for result in report.results:
        if result.verdict is Verdict.SURVIVED:
            m = result.mutation
            verdicts.append(
                GeneratedVerdict(
                    f"generated mutant {m.fingerprint}",
                    f"checks fail on {', '.join(result.exercises)}",
                    False,
                    f"{m.file}:{m.line} {m.qualname}: {m.description}; the checks PASS on it "
                    f"(a mistake they miss: sharpen a check, or record it in "
                    f"mutants/EQUIVALENT.md with why no user can tell)\n{result.diff}",
                )
            )
    report_problems = [p for p in report.problems if "matches no generated mutant" not in p]
    verdicts.extend(GeneratedVerdict("EQUIVALENT.md", "well formed", False, p)
                    for p in report_problems)  # fmt: skip
    return verdicts
