"""`workbench labs mutate`: how many generated mistakes the lab's checks catch, and which not."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.authoring.mutation.engine import Progress
    from workbench.authoring.mutation.report import MutantResult, MutationReport


def run_mutate(
    lab_id: str,
    *,
    exercise: str | None,
    runtime: str,
    limit: int | None,
    sample: int | None,
    seed: int,
    only: tuple[str, ...],
    json_path: str | None,
    mutant_timeout: float | None,
) -> int:
    """Run the mutants and print the report; the exit status (0: no unexplained survivor)."""
    from workbench.authoring.labrun import NoSolutionError
    from workbench.authoring.mutation.run import mutate
    from workbench.commands.output import console, err_console
    from workbench.commands.signals import signals_interrupt
    from workbench.lab import find_lab

    lab = find_lab(lab_id)
    # With `--json -` stdout carries the JSON only; the words go to stderr.
    out = err_console() if json_path == "-" else console()
    try:
        with signals_interrupt(), _ProgressView(err_console()) as view:
            report = mutate(
                lab, exercise=exercise, runtime=runtime, limit=limit, sample=sample, seed=seed,
                only=only, mutant_timeout=mutant_timeout, on_step=view.step,
                on_progress=view.progress,
            )  # fmt: skip
    except NoSolutionError as exc:
        err_console().print(f"[red]{_escape(exc.message)}[/]")
        return 2
    print_mutation_report(report, out)
    if json_path is not None:
        _write_json(report, json_path)
    if report.interrupted:
        return 130
    return 0 if report.ok else 1


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _write_json(report: MutationReport, json_path: str) -> None:
    text = json.dumps(report.to_dict(), indent=2)
    if json_path == "-":
        sys.stdout.write(text + "\n")
        return
    path = Path(json_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write the report to {path}: {exc.strerror}") from None


def print_mutation_report(report: MutationReport, out: Console) -> None:
    from workbench.authoring.mutation.report import Verdict

    where = f"runtime {report.runtime}" if report.runtime else "files only: nothing started"
    out.print(
        f"[bold]{_escape(report.lab_id)}[/] [dim]({where})[/]: {report.generated} mutants "
        f"generated, {len(report.results)} run ({_escape(report.selection)})"
        + (" [yellow]— interrupted, partial report[/]" if report.interrupted else "")
    )
    for result in report.results:
        if result.verdict in (Verdict.TIMED_OUT, Verdict.NOT_LOADABLE):
            out.print(f"  [dim]{result.verdict.value}: {_label(result)}: "
                      f"{_escape(_first(result.detail))}[/]", soft_wrap=True)  # fmt: skip
    for result in report.survivors:
        print_survivor(result, out)
    counts = report.counts()
    rate = report.kill_rate
    out.print(
        f"  killed {counts['killed']}, timed out {counts['timed out']} (counted as killed), "
        f"survived {counts['survived']}, not loadable {counts['not loadable']}, "
        f"equivalent {counts['equivalent']}"
    )
    rate_text = f"{rate:.1%}" if rate is not None else "n/a"
    colour = "green" if report.ok else "red"
    out.print(
        f"  [{colour}]kill rate {rate_text}[/] = (killed + timed out) ÷ (run − equivalent − "
        f"not loadable); {report.duration:.0f} s "
        f"(the solution's checks: {report.baseline_duration:.1f} s)"
    )
    for problem in report.problems:
        out.print(f"  [yellow]! {_escape(problem)}[/]", soft_wrap=True)


def print_survivor(result: MutantResult, out: Console) -> None:
    from rich.syntax import Syntax

    out.print(
        f"\n[red]survived[/] [bold]{result.mutation.fingerprint}[/] {_label(result)}: "
        f"{_escape(result.mutation.description)}\n  passed the checks of "
        f"{_escape(', '.join(result.exercises))}",
        soft_wrap=True,
    )
    out.print(
        Syntax(result.diff.rstrip("\n"), "diff", theme="ansi_dark", background_color="default")
    )


def _label(result: MutantResult) -> str:
    m = result.mutation
    return _escape(f"{m.file}:{m.line} {m.qualname} [{m.operator}]")


def _first(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 160 else line[:157] + "..."


class _ProgressView:
    """Progress on stderr: done/total, killed, survived, time left."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("preparing", total=None, stats="")

    def __enter__(self) -> _ProgressView:
        self.bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.bar.stop()

    def step(self, message: str) -> None:
        self.bar.update(self.task, description=_escape(message))

    def progress(self, p: Progress) -> None:
        if p.last is not None:
            colour = "red" if p.last.verdict.value == "survived" else "dim"
            self.bar.console.print(
                f"[{colour}]{p.last.verdict.value:>12}[/] {p.last.mutation.fingerprint} "
                f"{_label(p.last)} "
                f"[dim]({p.last.duration:.1f} s)[/]",
                soft_wrap=True,
            )
        left = f", ~{_duration(p.eta)} left" if p.eta is not None else ""
        stats = f"killed {p.killed}, survived {p.survived}{left}"
        self.bar.update(self.task, total=p.total, completed=p.done, stats=stats,
                        description=_escape(p.current or "done"))  # fmt: skip


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
