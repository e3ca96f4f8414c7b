"""`workbench doctor`: what this machine has and lacks for the workbench, each with its fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.app.doctor import DoctorReport


@click.command("doctor")
@click.option(
    "--runtime",
    type=click.Choice(["auto", "local", "docker"]),
    default="auto",
    show_default=True,
    help="Judge for this runtime (auto: Docker when an engine answers, else local).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON, for scripts.")
def doctor_cmd(runtime: str, as_json: bool) -> None:
    """Check this machine and say what is missing, each finding with its fix: Python, the
    Docker engine and whether it can bake images, nats-server, loopback ports, graphviz, the
    state, cache and workspace folders, and the labs (with the first problem of any that does
    not load). Exits 1 when something the runtime needs is missing.

    \b
    Examples:
      workbench doctor
      workbench doctor --runtime docker --json
    """
    import json

    from workbench.app.doctor import diagnose
    from workbench.app.doctor_probes import real_probes

    report = diagnose(real_probes(), runtime)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        print_report(report)
    if not report.ok:
        raise click.exceptions.Exit(1)


STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


def print_report(report: DoctorReport, out: Console | None = None) -> None:
    """One line per finding (wrapped in its column), its fix below it, then the verdict."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from workbench.app.doctor import MARKS, heading, summary
    from workbench.commands.output import console

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column()
    for finding in report.findings:
        style = STYLE[finding.status.value]
        text = Text(finding.detail)
        if finding.fix:
            text.append("\nfix: ", style="dim").append(finding.fix)
        grid.add_row(Text(MARKS[finding.status], style=style), Text(finding.title), text)
    out = out or console()
    out.print(f"[bold]{escape(heading(report))}[/]")
    out.print(grid)
    out.print(escape(summary(report)))
