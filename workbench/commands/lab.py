"""`workbench lab ...`: start, stop, inspect and restart a lab's running services.

Every command is a thin layer over the runtime (`workbench.runtime`); runs are found by lab id (or
run id) in the run folders, so these work from any shell. Other areas add their own commands to
this group (e.g. `lab init`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from workbench.commands.completion import complete_lab, complete_service
from workbench.commands.signals import signals_interrupt

if TYPE_CHECKING:
    from workbench.app.runs import RunHealth
    from workbench.runtime.base import Deployment, Progress, ServiceStatus

RUNTIMES = ("auto", "local", "docker")
STATE_STYLE = {"ready": "green", "starting": "yellow", "paused": "cyan", "crashed": "red",
               "stopped": "dim"}  # fmt: skip


@click.group()
def lab() -> None:
    """Run a lab's services: start, status, logs, restart, stop."""


@lab.command("start")
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
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
      workbench lab start saga
      workbench lab start saga --runtime local --workspace ~/workbench-labs/saga
    """
    from rich.markup import escape

    from workbench.app.session import LabSession
    from workbench.commands.output import console
    from workbench.errors import StartFailedError, WorkbenchError
    from workbench.lab import find_lab

    spec = find_lab(lab_id)
    if not spec.runs_services:
        raise WorkbenchError(
            f"lab {spec.id!r} has no services to run: its exercises are about design",
            f"work in your workspace and check it with `workbench check {spec.id}`",
        )
    session = LabSession(
        spec, runtime, note=lambda text: console().print(f"  [yellow]note:[/] {escape(text)}")
    )
    session.refuse_if_busy()  # asked again, atomically, by the start itself
    workspace = session.use_workspace(workspace_dir)
    engine = session.choose_runtime()
    console().print(f"starting [bold]{spec.id}[/] on the {engine.name} runtime")
    if workspace is None and spec.starter_dir.is_dir():
        console().print(
            "  [yellow]no workspace yet:[/] using a scratch copy of the starter files (it goes "
            f"away on stop); keep your work with `workbench lab init {spec.id}`"
        )
    elif workspace is not None:
        console().print(f"  workspace: {workspace}")
    with signals_interrupt():
        try:
            deployment = session.start(_print_progress, deadline=deadline)
        except StartFailedError:
            if session.deployment is not None:
                _print_table(session.deployment, session.status())
            raise
    _print_table(deployment, session.status())
    console().print(f"logs: `workbench lab logs {spec.id}`   stop: `workbench lab stop {spec.id}`")


@lab.command("stop")
@click.argument("lab_id", metavar="[LAB]", required=False, shell_complete=complete_lab)
@click.option("--all", "stop_all", is_flag=True, help="Stop every running lab.")
def stop_cmd(lab_id: str | None, stop_all: bool) -> None:
    """Stop LAB's services and remove its run (processes or containers, logs, data).

    \b
    Example:
      workbench lab stop saga
      workbench lab stop --all
    """
    from workbench.app import runs
    from workbench.commands.output import console

    if not lab_id and not stop_all:
        raise click.UsageError("name the lab to stop, or use --all")
    stopped = runs.stop(lab_id, every_run=stop_all)
    if not stopped:
        console().print("no lab is running")
    for one in stopped:
        d = one.deployment
        console().print(f"stopped [bold]{d.lab_id}[/] ({d.run_id}) in {one.seconds:.2f} s")


@lab.command("status")
@click.argument("lab_id", metavar="[LAB]", required=False, shell_complete=complete_lab)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_cmd(lab_id: str | None, as_json: bool) -> None:
    """Show running labs: each service's state, URL and active faults.

    \b
    Example:
      workbench lab status
      workbench lab status saga --json
    """
    import json

    from rich.markup import escape

    from workbench.app import runs
    from workbench.commands.output import console

    report = runs.health(lab_id)
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
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("service", required=False, shell_complete=complete_service)
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
      workbench lab logs saga order --tail 20
      workbench lab logs saga -f
    """
    from workbench.app.session import LabSession

    session = LabSession.of_run(lab_id)
    deployment = session.require()
    lines = session.logs(service, follow=follow, tail=tail)
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
@click.argument("lab_id", metavar="LAB", shell_complete=complete_lab)
@click.argument("service", shell_complete=complete_service)
def restart_cmd(lab_id: str, service: str) -> None:
    """Restart one SERVICE of LAB (same URL), e.g. after fixing why it failed to start.

    \b
    Example:
      workbench lab restart saga order
    """
    from workbench.app.session import LabSession
    from workbench.commands.output import console

    session = LabSession.of_run(lab_id)
    deployment = session.require()
    with console().status(f"restarting {service}…"):
        session.restart(service)
    console().print(f"[green]✓[/] {service} is ready again at {deployment.url(service)}")


# -- helpers ---------------------------------------------------------------------------------


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
