"""`workbench lab ...`: start, stop, inspect and restart a lab's running services.

Every command is a thin layer over the runtime (`workbench.runtime`); runs are found by lab id (or
run id) in the run folders, so these work from any shell. Other areas add their own commands to
this group (e.g. `lab init`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment, Progress, ServiceStatus
    from workbench.runtime.stale import RunHealth

RUNTIMES = ("auto", "local", "docker")
STATE_STYLE = {"ready": "green", "starting": "yellow", "paused": "cyan", "crashed": "red",
               "stopped": "dim"}  # fmt: skip


@click.group()
def lab() -> None:
    """Run a lab's services: start, status, logs, restart, stop."""


@lab.command("start")
@click.argument("lab_id", metavar="LAB")
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    default="auto",
    show_default=True,
    help="auto: Docker when an engine answers, else local processes.",
)
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(path_type=Path),
    help="Your files for the lab (default: the workspace `workbench lab init` made).",
)
@click.option(
    "--deadline",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for every service to be ready (not counting a Docker image bake).",
)
def start_cmd(lab_id: str, runtime: str, workspace_dir: Path | None, deadline: float) -> None:
    """Start every service of LAB and wait until all are ready.

    Ends with a table of services, URLs and states. A service that fails to start is shown with
    the end of its log; the others keep running, and `workbench lab restart LAB SERVICE` retries
    it once fixed.

    \b
    Example:
      workbench lab start shop
      workbench lab start shop --runtime local --workspace ~/work/shop
    """
    from workbench.commands.output import console
    from workbench.errors import StartFailedError, WorkbenchError
    from workbench.lab import find_lab
    from workbench.runtime.select import get_runtime

    spec = find_lab(lab_id)
    if not spec.runs_services:
        raise WorkbenchError(
            f"lab {spec.id!r} has no services to run: its exercises are about design",
            f"work in your workspace and check it with `workbench check {spec.id}`",
        )
    _refuse_second_start(spec.id)
    workspace = _workspace(spec, workspace_dir)
    engine = get_runtime(runtime)
    console().print(f"starting [bold]{spec.id}[/] on the {engine.name} runtime")
    if workspace is None and spec.starter_dir.is_dir():
        console().print(
            "  [yellow]no workspace yet:[/] using a scratch copy of the starter files (it goes "
            f"away on stop); keep your work with `workbench lab init {spec.id}`"
        )
    elif workspace is not None:
        console().print(f"  workspace: {workspace}")
    with _signals_interrupt():
        try:
            deployment = engine.up(spec, workspace, on_progress=_print_progress, deadline=deadline)
        except StartFailedError as exc:
            from workbench.runtime.runs import load_run, run_dir_of

            failed_run = load_run(run_dir_of(exc.run_id))
            if failed_run is not None:
                _print_table(failed_run, engine.status(failed_run))
            raise
    _print_table(deployment, engine.status(deployment))
    console().print(f"logs: `workbench lab logs {spec.id}`   stop: `workbench lab stop {spec.id}`")


@lab.command("stop")
@click.argument("lab_id", metavar="[LAB]", required=False)
@click.option("--all", "stop_all", is_flag=True, help="Stop every running lab.")
def stop_cmd(lab_id: str | None, stop_all: bool) -> None:
    """Stop LAB's services and remove its run (processes or containers, logs, data).

    \b
    Example:
      workbench lab stop shop
      workbench lab stop --all
    """
    import time

    from workbench.commands.output import console
    from workbench.runtime.runs import find_run, list_runs
    from workbench.runtime.select import runtime_for

    if not lab_id and not stop_all:
        raise click.UsageError("name the lab to stop, or use --all")
    targets = list_runs() if stop_all and not lab_id else [find_run(lab_id or "")]
    if stop_all and lab_id:
        targets = list_runs(find_run(lab_id).lab_id)
    if not targets:
        console().print("no lab is running")
    for deployment in targets:
        started = time.monotonic()
        runtime_for(deployment).down(deployment)
        console().print(
            f"stopped [bold]{deployment.lab_id}[/] ({deployment.run_id}) in "
            f"{time.monotonic() - started:.2f} s"
        )


@lab.command("status")
@click.argument("lab_id", metavar="[LAB]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_cmd(lab_id: str | None, as_json: bool) -> None:
    """Show running labs: each service's state, URL and active faults.

    \b
    Example:
      workbench lab status
      workbench lab status shop --json
    """
    import json

    from rich.markup import escape

    from workbench.commands.output import console
    from workbench.runtime.runs import find_run, list_runs
    from workbench.runtime.stale import inspect_run

    targets = [find_run(lab_id)] if lab_id else list_runs()
    report = [inspect_run(d) for d in targets]
    if as_json:
        click.echo(json.dumps({"runs": [_as_dict(h) for h in report]}, indent=2))
        return
    if not report:
        console().print("no lab is running (start one with `workbench lab start LAB`)")
    for health in report:
        _print_table(health.deployment, health.statuses)
        if health.problem():  # a stale run, or one on a deleted workspace: say what to do
            console().print(f"[yellow]note:[/] {escape(health.problem())}")
            console().print(f"  {escape(health.hint())}")


@lab.command("logs")
@click.argument("lab_id", metavar="LAB")
@click.argument("service", required=False)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines (Ctrl-C ends).")
@click.option(
    "--tail",
    "-n",
    type=click.IntRange(min=0),
    default=None,
    help="Only the last N lines of each service.",
)
def logs_cmd(lab_id: str, service: str | None, follow: bool, tail: int | None) -> None:
    """Print the logs of LAB's services (or of one SERVICE).

    \b
    Example:
      workbench lab logs shop orders --tail 20
      workbench lab logs shop -f
    """
    from workbench.runtime.runs import find_run
    from workbench.runtime.select import runtime_for

    deployment = find_run(lab_id)
    lines = runtime_for(deployment).logs(deployment, service, follow=follow, tail=tail)
    width = max(len(n) for n in deployment.endpoints) if not service else 0
    colours = ("cyan", "magenta", "green", "yellow", "blue", "bright_red")
    colour_of = {n: colours[i % len(colours)] for i, n in enumerate(deployment.endpoints)}
    try:
        for line in lines:
            prefix = click.style(f"{line.service:<{width}} | ", fg=colour_of.get(line.service))
            click.echo((prefix if width else "") + line.text)
    except KeyboardInterrupt:
        pass  # the normal end of --follow


@lab.command("restart")
@click.argument("lab_id", metavar="LAB")
@click.argument("service")
def restart_cmd(lab_id: str, service: str) -> None:
    """Restart one SERVICE of LAB (same URL), e.g. after fixing why it failed to start.

    \b
    Example:
      workbench lab restart shop orders
    """
    from workbench.commands.output import console
    from workbench.runtime import fault_record
    from workbench.runtime.runs import check_service, find_run
    from workbench.runtime.select import runtime_for

    deployment = find_run(lab_id)
    check_service(deployment, service)
    with console().status(f"restarting {service}…"):
        runtime_for(deployment).restart(deployment, service)
    fault_record.forget(deployment, service)
    console().print(f"[green]✓[/] {service} is ready again at {deployment.url(service)}")


# -- helpers ---------------------------------------------------------------------------------


def _refuse_second_start(lab_id: str) -> None:
    """One run per lab from the CLI (the library allows more); a stale run (every service of it
    gone: a reboot, removed containers) is cleaned up and replaced, saying so."""
    from rich.markup import escape

    from workbench.commands.output import console
    from workbench.errors import WorkbenchError
    from workbench.runtime.runs import list_runs
    from workbench.runtime.stale import clean_up, inspect_run

    for deployment in list_runs(lab_id):
        health = inspect_run(deployment)
        if health.stale:
            clean_up(health)
            console().print(f"  [yellow]note:[/] removed {escape(health.problem())}")
            continue
        gone = f"; {health.problem()}" if health.workspace_gone else ""
        raise WorkbenchError(
            f"lab {lab_id!r} is already running ({deployment.run_id}, {deployment.runtime}){gone}",
            f"see it with `workbench lab status {lab_id}`, or stop it first with "
            f"`workbench lab stop {lab_id}`",
        )


def _workspace(spec: Lab, workspace_dir: Path | None) -> Path | None:
    from workbench.errors import WorkbenchError

    if workspace_dir is not None:
        if not workspace_dir.is_dir():
            raise WorkbenchError(
                f"workspace {workspace_dir} is not a folder",
                f"create one with `workbench lab init {spec.id} {workspace_dir}`",
            )
        return workspace_dir.resolve()
    try:
        from workbench.lab.workspace import find_workspace
    except ImportError:  # before `lab init` existed
        return None
    return find_workspace(spec.id)


def _print_progress(progress: Progress) -> None:
    from rich.markup import escape

    from workbench.commands.output import console

    marks = {"starting": "[dim]…[/]", "waiting": None, "baking": "[dim]…[/]",
             "ready": "[green]✓[/]", "failed": "[red]✗[/]"}  # fmt: skip
    mark = marks.get(progress.phase, "·")
    if mark is None:
        return
    detail = f"  {escape(progress.detail)}" if progress.detail else ""
    console().print(f"  {mark} {progress.service:<14} {progress.phase:<8}{detail}")


def _print_table(deployment: Deployment, statuses: list[ServiceStatus]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from workbench.commands.output import console

    table = Table(
        title=f"{deployment.lab_id}  ({deployment.run_id}, {deployment.runtime})",
        title_justify="left",
    )
    for column in ("service", "state", "url", "faults", "detail"):
        table.add_column(column)
    for status in statuses:
        style = STATE_STYLE.get(status.state.value, "")
        table.add_row(
            status.service, f"[{style}]{status.state.value}[/]" if style else status.state.value,
            status.url or "", escape(", ".join(status.faults)), escape(status.detail),
        )  # fmt: skip
    console().print(table)


def _as_dict(health: RunHealth) -> dict[str, object]:
    deployment, statuses = health.deployment, health.statuses
    return {
        "lab": deployment.lab_id,
        "run_id": deployment.run_id,
        "runtime": deployment.runtime,
        "run_dir": str(deployment.run_dir),
        "workspace": str(deployment.workspace) if deployment.workspace else None,
        "started_at": deployment.started_at,
        "stale": health.stale,
        "problem": health.problem() or None,
        "services": [
            {
                "service": s.service,
                "state": s.state.value,
                "url": s.url,
                "detail": s.detail,
                "faults": list(s.faults),
            }
            for s in statuses
        ],
    }


class _signals_interrupt:  # noqa: N801 - used like a function: `with _signals_interrupt():`
    """While starting, SIGTERM and SIGHUP act like Ctrl-C, so the start cleans up after itself."""

    def __enter__(self) -> None:
        import signal

        def interrupt(_sig: int, _frame: object) -> None:
            raise KeyboardInterrupt

        self._saved = {
            sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)
        }

    def __exit__(self, *_exc: object) -> None:
        import signal

        for sig, handler in self._saved.items():
            signal.signal(sig, handler)
