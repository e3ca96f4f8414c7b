"""`workbench labs coverage`: the faults a lab declares, and the checks that inject each."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.authoring.coverage import CoverageReport


def run_coverage(lab_id: str, *, runtime: str, as_json: bool) -> int:
    """Run the solution's checks recording their faults, print the table; the exit status."""
    from rich.markup import escape

    from workbench.authoring.coverage import fault_coverage
    from workbench.authoring.labrun import NoSolutionError
    from workbench.commands.output import console, err_console
    from workbench.commands.signals import signals_interrupt
    from workbench.lab import find_lab

    lab = find_lab(lab_id)
    try:
        with signals_interrupt(), err_console().status(f"fault coverage of {lab.id}…") as status:
            report = fault_coverage(
                lab, runtime=runtime, on_step=lambda msg: status.update(escape(msg))
            )
    except NoSolutionError as exc:
        err_console().print(f"[red]{escape(exc.message)}[/]")
        return 2
    if as_json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print_coverage(report, console())
    return 0 if report.ok else 1


def print_coverage(report: CoverageReport, out: Console) -> None:
    from rich.markup import escape
    from rich.table import Table

    from workbench.authoring.coverage import short_name

    table = Table(
        title=f"Fault coverage of {report.lab_id} (runtime {report.runtime})", title_justify="left"
    )
    table.add_column("service")
    table.add_column("fault")
    table.add_column("checks that inject it")
    table.add_column("routes", style="dim")
    for cell in report.cells:
        if cell.touched:
            checks = escape(", ".join(short_name(c) for c in cell.checks))
            fault = escape(cell.fault) + ("" if cell.declared else " [yellow](not declared)[/]")
        elif cell.explanation is not None:
            checks = f"[yellow]untouched, explained:[/] {escape(cell.explanation)}"
            fault = escape(cell.fault)
        else:
            checks = "[bold red]untouched: no check injects it[/]"
            fault = f"[bold red]{escape(cell.fault)}[/]"
        table.add_row(escape(cell.service), fault, checks, escape(", ".join(cell.routes)))
    out.print(table)
    for problem in report.problems:
        out.print(f"[yellow]! {escape(problem)}[/]", soft_wrap=True)
    unexplained = report.unexplained
    if unexplained:
        cells = ", ".join(f"{c.service} {c.fault}" for c in unexplained)
        out.print(
            f"[red]{len(unexplained)} declared fault(s) no check injects:[/] {escape(cells)}. "
            "Write a check that injects each, or say why none is needed in "
            "mutants/COVERAGE.md (`- \\`<service> <fault>\\`: <why>`).",
            soft_wrap=True,
        )
    else:
        out.print("[green]every declared fault is injected by a check, or explained[/]")
