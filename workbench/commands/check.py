"""`workbench check` and `workbench progress`: run a lab's checks, and see what passed when."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment, Progress


@click.command("check")
@click.argument("lab_id", metavar="LAB")
@click.argument("exercise", required=False)
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
    help="Print the results as JSON (schema: workbench/checks/SCHEMA.md).",
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
    from contextlib import nullcontext

    from workbench.checks import progress
    from workbench.checks.report import print_report, to_json, write_junit_xml
    from workbench.checks.runner import files_that_do_not_load, run_checks, select_exercises
    from workbench.commands.output import console, err_console
    from workbench.lab import find_lab

    lab = find_lab(lab_id)
    selected = None if exercise is None else select_exercises(lab, exercise)
    deployment = _running(lab, start=start)
    workspace = _workspace(lab, workspace_dir, deployment)
    if deployment is not None and deployment.workspace and not deployment.workspace.is_dir():
        err_console().print(
            f"[yellow]note:[/] the running services use {deployment.workspace}, which no longer "
            f"exists: restart the lab on your workspace (`workbench lab stop {lab.id}`, then "
            f"`workbench lab start {lab.id}`)"
        )
    elif (
        deployment is not None
        and deployment.workspace
        and workspace != deployment.workspace.resolve()
    ):
        err_console().print(
            f"[yellow]note:[/] the running services use {deployment.workspace}, not {workspace}"
        )
    # Files that do not load are reported first: starting services on them would only crash.
    run = files_that_do_not_load(lab, workspace, selected)
    if run is None:
        if lab.runs_services and deployment is None:
            deployment = _start(lab, start=start, runtime=runtime, workspace=workspace)
        # Progress goes to stderr, so `--json` leaves stdout to the JSON alone.
        waiting = nullcontext() if as_json else err_console().status(f"checking {lab.id}…")
        with waiting:
            run = run_checks(
                lab,
                workspace,
                exercises=selected,
                deployment=deployment,
                stop_at_failure=not check_all and exercise is None,
                check_timeout=timeout,
                precheck=False,
            )
    newly = progress.record(run)
    if junit_xml:
        write_junit_xml(run, junit_xml)
    if as_json:
        click.echo(to_json(run))
    else:
        print_report(run, console(), verbose=verbose)
        for ex in newly:
            console().print(f"[green]★[/] exercise {ex} done — see `workbench progress`")
    if not run.passed:
        raise click.exceptions.Exit(1)


def _running(lab: Lab, *, start: bool) -> Deployment | None:
    """The lab's running deployment, if any; always None for design labs (nothing to run).

    A recorded run whose services are all gone (a reboot, removed containers) is no deployment
    to check against: with --start it is cleaned up (and a new one started), else it is an error
    that says what to do.
    """
    from rich.markup import escape

    from workbench.commands.output import err_console
    from workbench.errors import NotRunningError
    from workbench.runtime.runs import find_run
    from workbench.runtime.stale import clean_up, inspect_run

    if not lab.runs_services:
        return None
    try:
        deployment = find_run(lab.id)
    except NotRunningError:
        return None
    health = inspect_run(deployment)
    if not health.stale:
        return deployment
    if start:
        clean_up(health)
        err_console().print(f"[yellow]note:[/] removed {escape(health.problem())}")
        return None
    raise NotRunningError(
        health.problem(),
        health.hint() + f"; or clean up and start in one go: `workbench check {lab.id} --start`",
    )


def _start(lab: Lab, *, start: bool, runtime: str, workspace: Path) -> Deployment:
    """With --start, start the lab on the workspace; otherwise say how to."""
    from rich.markup import escape

    from workbench.commands.output import err_console
    from workbench.errors import NotRunningError
    from workbench.runtime.select import get_runtime

    if not start:
        raise NotRunningError(
            f"lab {lab.id!r} is not running, and its checks talk to its services",
            f"start it with `workbench lab start {lab.id}`, or check with "
            f"`workbench check {lab.id} --start`",
        )
    engine = get_runtime(runtime)
    with err_console().status(f"starting {lab.id} on the {engine.name} runtime…") as status:

        def progress(step: Progress) -> None:  # a cold Docker bake takes minutes: show it
            status.update(escape(f"starting {lab.id}: {step.service} {step.phase} {step.detail}"))

        deployment = engine.up(lab, workspace, on_progress=progress)
    err_console().print(
        f"started {lab.id} ({deployment.run_id}); it keeps running: stop it with "
        f"`workbench lab stop {lab.id}`"
    )
    return deployment


def _workspace(lab: Lab, explicit: Path | None, deployment: Deployment | None) -> Path:
    from workbench.lab.workspace import WorkspaceError, require_workspace

    if explicit is not None:
        if not explicit.is_dir():
            raise WorkspaceError(f"{explicit} is not a folder", "give your workspace folder")
        return explicit.resolve()
    if deployment is not None and deployment.workspace and deployment.workspace.is_dir():
        return deployment.workspace.resolve()  # what the running services really execute
    return require_workspace(lab).resolve()


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

    from workbench.checks.progress import load_progress
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
