"""Rendering a `CheckRun`: the rich report a learner reads, `--json`, and JUnit XML for graders.

The rich report shows each check with ✓/✗, the sentence its author wrote and a hint; tracebacks
only with `verbose`. JSON is `CheckRun.to_dict()` (schema in SCHEMA.md). JUnit XML follows the
common Jenkins/Ant shape that GitHub Classroom, GitLab and most CI servers read: one <testsuite>
per exercise.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.checkrun.results import CheckResult, CheckRun, ExerciseStatus, Outcome

if TYPE_CHECKING:
    from rich.console import Console

_MARK = {
    Outcome.PASSED: "[green]✓[/]",
    Outcome.FAILED: "[red]✗[/]",
    Outcome.ERROR: "[red]![/]",
    Outcome.SKIPPED: "[dim]-[/]",
}
_STATUS = {
    ExerciseStatus.PASSED: "[green]passed[/]",
    ExerciseStatus.FAILED: "[red]not passing yet[/]",
    ExerciseStatus.NOT_RUN: "[dim]not checked[/]",
    ExerciseStatus.NO_CHECKS: "[yellow]has no checks[/]",
}


def print_report(run: CheckRun, console: Console, *, verbose: bool = False) -> None:
    from rich.markup import escape

    if run.import_problems:
        console.print("[bold red]Your files do not load, so no check ran:[/]")
        for problem in run.import_problems:
            console.print(f"  [red]✗[/] {escape(str(problem))}")
        console.print("[yellow]hint:[/] fix the line named above, save, and check again.")
        return
    for exercise in run.exercises():
        console.print(
            f"[bold]{escape(exercise.title)}[/] ({escape(exercise.id)}): {_STATUS[exercise.status]}"
        )
        results = run.results_for(exercise.id)
        shown_hint = False
        for result in results:
            _print_result(result, console, verbose)
            shown_hint = shown_hint or bool(result.hint and not result.ok)
        # An error (a service down, a timeout) is no verdict on the learner's code: no hint.
        judged = any(r.outcome is Outcome.FAILED for r in results) and not shown_hint
        if exercise.status is ExerciseStatus.FAILED and exercise.hints and judged:
            _print_ladder(run.lab_id, exercise.id, exercise.hints, exercise.hints_used, console)
    untagged = [r for r in run.results if r.exercise is None]
    if untagged:
        console.print("[bold]Other checks[/]")
        for result in untagged:
            _print_result(result, console, verbose)
    if run.error:
        console.print(f"[bold red]error:[/] {escape(run.error)}")
    console.print(_summary(run))


def _print_ladder(
    lab_id: str, exercise: str, hints: tuple[str, ...], used: int, console: Console
) -> None:
    """The exercise's hints are a ladder the learner climbs on request, each step counted
    (`hints_used`): the report repeats the last one asked for and offers the next, never
    showing one that was not asked for."""
    from rich.markup import escape

    used = min(used, len(hints))
    if used:
        console.print(f"    [yellow]hint {used} of {len(hints)}:[/] {escape(hints[used - 1])}")
    if used < len(hints):
        console.print(
            f"    [dim]hint {used + 1} of {len(hints)}: workbench hint {lab_id} {exercise}[/]"
        )


def _print_result(result: CheckResult, console: Console, verbose: bool) -> None:
    from rich.markup import escape

    timing = f" [dim]({result.duration:.2f} s)[/]" if verbose else ""
    console.print(f"  {_MARK[result.outcome]} {escape(result.name)}{timing}")
    if not result.ok or (result.outcome is Outcome.SKIPPED and verbose):
        if result.message:
            console.print(f"    {escape(result.message)}")
        if result.hint and not result.ok:
            console.print(f"    [yellow]hint:[/] {escape(result.hint)}")
    if verbose and not result.ok and result.trace:
        _print_trace(result, console)
    if verbose and result.details:
        for line in result.details.rstrip().splitlines():
            console.print(f"      [dim]{escape(line)}[/]")


def _print_trace(result: CheckResult, console: Console) -> None:
    """What the check set off in the services, one step a line, in time order."""
    from rich.markup import escape

    from workbench.checkrun.happened import describe, steps

    found = steps(list(result.trace))
    console.print("    [bold]what happened[/] (the check's calls, the services' calls and events):")
    for index, step in enumerate(found):
        if result.trace_skipped and index == len(found) // 2:
            console.print(f"      [dim]… {result.trace_skipped} more left out …[/]")
        style = "red" if step.failed else ("yellow" if step.fault else "")
        line = escape(describe(step))
        console.print(f"      [{style}]{line}[/]" if style else f"      {line}")


def _summary(run: CheckRun) -> str:
    counts = run.counts()
    done = len(run.passed_exercises())
    parts = [f"{counts['passed']} passed"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if counts["error"]:
        parts.append(f"{counts['error']} could not finish")
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} skipped")
    checks = ", ".join(parts)
    if run.passed:
        return f"[bold green]All {done} exercise(s) passed[/] ({checks}, {run.duration:.1f} s)"
    return (
        f"[bold]{done} of {len(run.selected)} exercise(s) passed[/] "
        f"({checks}, {run.duration:.1f} s)"
    )


def to_json(run: CheckRun) -> str:
    return json.dumps(run.to_dict(), indent=2)


def to_junit_xml(run: CheckRun) -> str:
    """JUnit XML: a <testsuite> per exercise; failed → <failure>, error → <error>."""
    root = ET.Element("testsuites", name=f"workbench {run.lab_id}")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    groups: list[tuple[str, list[CheckResult]]] = [(ex, run.results_for(ex)) for ex in run.selected]
    untagged = [r for r in run.results if r.exercise is None]
    if untagged:
        groups.append(("(untagged)", untagged))
    status = {e.id: e.status for e in run.exercises()}
    for ex, results in groups:
        if not results and status.get(ex) is ExerciseStatus.NOT_RUN:
            # Graders still see the exercise: as skipped, with why it was not checked.
            results.append(
                CheckResult(
                    id=f"{ex}::not-checked",
                    name="not checked",
                    exercise=ex,
                    outcome=Outcome.SKIPPED,
                    message=_not_run_reason(run),
                )
            )
    if run.error:
        groups.append(
            (
                "run",
                [
                    CheckResult(
                        id="run",
                        name="checks run",
                        exercise=None,
                        outcome=Outcome.ERROR,
                        message=run.error,
                    )
                ],
            )
        )
    for problem in run.import_problems:
        # A file that does not load fails every selected exercise that names it; graders see it.
        groups.append(
            (
                "imports",
                [
                    CheckResult(
                        id=f"imports::{problem.file}",
                        name=f"{problem.file} loads",
                        exercise=None,
                        outcome=Outcome.FAILED,
                        message=str(problem),
                    )
                ],
            )
        )
    for name, results in groups:
        suite = ET.SubElement(root, "testsuite", name=f"{run.lab_id}.{name}")
        counts = {"tests": len(results), "failures": 0, "errors": 0, "skipped": 0}
        for result in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{run.lab_id}.{name}",
                name=result.name,
                time=f"{result.duration:.3f}",
            )
            case.set("file", result.id.split("::", 1)[0])
            message = result.message + (f" (hint: {result.hint})" if result.hint else "")
            if result.outcome is Outcome.FAILED:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=message).text = result.details or message
            elif result.outcome is Outcome.ERROR:
                counts["errors"] += 1
                ET.SubElement(case, "error", message=message).text = result.details or message
            elif result.outcome is Outcome.SKIPPED:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=result.message)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{sum(r.duration for r in results):.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{run.duration:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _not_run_reason(run: CheckRun) -> str:
    if run.import_problems:
        return "not checked: the learner files do not load"
    if run.error:
        return "not checked: the checks run did not complete"
    return "not checked: an earlier exercise is not passing yet (use --all to check every one)"


def write_junit_xml(run: CheckRun, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_junit_xml(run), encoding="utf-8")
