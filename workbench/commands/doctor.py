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


def print_report(report: DoctorReport, out: Console | None = None) -> None:
    from workbench.app.doctor_view import report_renderable
    from workbench.commands.output import console

    (out or console()).print(report_renderable(report))
