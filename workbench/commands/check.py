"""`workbench check` and `workbench progress`: run a lab's checks, and see what passed when."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from workbench.commands.completion import complete_exercise, complete_lab


@click.command("check")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("exercise", required=False, shell_complete=complete_exercise)
@click.option("--start", is_flag=True, help="Start the lab first if it is not running.")
@click.option(
    "--runtime",
    type=click.Choice(["auto", "local", "docker"]),
    default="auto",
    show_default=True,
    help="Runtime used by --start.",
)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Check this folder instead of the lab's recorded workspace.",
)
@click.option(
    "--all",
    "check_all",
    is_flag=True,
    help="Check every exercise, not only up to the first one not passing (grading).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the results as JSON (schema: workbench/checkrun/SCHEMA.md).",
)
@click.option(
    "--junit-xml",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the results as JUnit XML to this file.",
)
@click.option(
    "--timeout", type=float, default=30.0, show_default=True, help="Seconds one check may take."
)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and timings.")
def check(
    *,
    lab_id: str,
    exercise: str | None,
    start: bool,
    runtime: str,
    workspace_dir: Path | None,
    check_all: bool,
    as_json: bool,
    junit_xml: Path | None,
    timeout: float,
    verbose: bool,
) -> None:
    """Run the checks of LAB against your workspace and the running services.

    Without EXERCISE, checks the exercises in order and stops after the first one not passing
    yet. Exits 0 only when every selected check passes. Design labs (nothing to run) check your
    files only. Your workspace is the folder `workbench lab init` made (see its help).

    \b
    Examples:
      workbench check saga                 # all exercises, up to the first not passing
      workbench check saga retries -v      # one exercise, with tracebacks
      workbench check saga --start         # start the lab first if needed
      workbench check saga --all --json --junit-xml report.xml   # for grading / CI
    """
    from rich.markup import escape

    from workbench.app.checking import CheckRequest, check, failed_run
    from workbench.checkrun.report import print_report, to_json, write_junit_xml
    from workbench.commands.output import console, err_console
    from workbench.errors import WorkbenchError
    from workbench.lab import find_lab

    request = CheckRequest(
        exercise=exercise,
        start=start,
        runtime=runtime,
        workspace=workspace_dir,
        every_exercise=check_all,
        check_timeout=timeout,
    )

    def note(text: str) -> None:
        err_console().print(f"[yellow]note:[/] {escape(text)}")

    try:
        # Progress goes to stderr, so `--json` leaves stdout to the JSON alone.
        with _Busy(quiet=as_json) as busy:
            checked = check(find_lab(lab_id), request, note=note, busy=busy)
    except WorkbenchError as exc:
        if not (as_json or junit_xml):
            raise
        # A grader reads one JSON object (and JUnit file) whatever happened.
        run = failed_run(lab_id, exc)
        if junit_xml:
            write_junit_xml(run, junit_xml)
        if not as_json:
            raise
        click.echo(to_json(run))
        raise click.exceptions.Exit(1) from None
    run = checked.run
    if junit_xml:
        write_junit_xml(run, junit_xml)
    if as_json:
        click.echo(to_json(run))
    else:
        print_report(run, console(), verbose=verbose)
        for ex in checked.newly_passed:
            console().print(f"[green]★[/] exercise {ex} done — see `workbench progress`")
    if not run.passed:
        raise click.exceptions.Exit(1)


class _Busy:
    """A spinner on stderr saying what `check` is doing (none with --json)."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self._status: Any = None

    def __enter__(self) -> Callable[[str], None]:
        if not self.quiet:
            from workbench.commands.output import err_console

            self._status = err_console().status("")
        return self.update

    def update(self, text: str) -> None:
        from rich.markup import escape

        if self._status is None:
            return
        self._status.update(escape(text))
        self._status.start()

    def __exit__(self, *_exc: object) -> None:
        if self._status is not None:
            self._status.stop()


@click.command("progress")
@click.option("--json", "as_json", is_flag=True, help="Print progress as JSON.")
def progress_cmd(as_json: bool) -> None:
    """Show the exercises you passed in each lab, with dates.

    Progress is kept in the workbench's state folder ($WORKBENCH_STATE_DIR, else
    ~/.local/state/workbench/progress.json) and updated by every `workbench check`.

    \b
    Example:
      workbench progress
    """
    import json
    from dataclasses import asdict

    from rich.markup import escape
    from rich.table import Table

    from workbench.checkrun.progress import load_progress
    from workbench.commands.output import console
    from workbench.lab import list_labs

    recorded = load_progress()
    if as_json:
        click.echo(
            json.dumps(
                {lab: {ex: asdict(p) for ex, p in exs.items()} for lab, exs in recorded.items()},
                indent=2,
            )
        )
        return
    table = Table(title="Your progress", title_justify="left")
    for column in ("lab", "exercise", "status", "first passed", "last checked"):
        table.add_column(column)
    labs = {e.id: e.lab for e in list_labs()}
    shown = [lab_id for lab_id in labs if lab_id in recorded]
    shown += sorted(set(recorded) - set(labs))
    for lab_id in shown:
        lab = labs.get(lab_id)
        order = [e.id for e in lab.exercises] if lab else sorted(recorded[lab_id])
        done = sum(1 for p in recorded[lab_id].values() if p.passed)
        table.add_row(f"[bold]{escape(lab_id)}[/]", f"{done}/{len(order)} passed", "", "", "")
        for ex in order:
            entry = recorded[lab_id].get(ex)
            if entry is None:
                table.add_row("", escape(ex), "[dim]not checked yet[/]", "", "")
                continue
            status = (
                "[green]passed[/]"
                if entry.last_status == "passed"
                else (
                    "[yellow]passed before, failing now[/]" if entry.passed else "[red]not yet[/]"
                )
            )
            table.add_row(
                "", escape(ex), status, _date(entry.first_passed), _date(entry.last_checked)
            )
    if not shown:
        console().print(
            "No exercise checked yet. Start with `workbench lab init LAB`, then "
            "`workbench check LAB`."
        )
        return
    console().print(table)


def _date(stamp: str | None) -> str:
    if not stamp:
        return ""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp
