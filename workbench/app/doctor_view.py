"""The doctor's report as one rich renderable, so the CLI and the TUI show the same screen."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from workbench.app.doctor import MARKS, DoctorReport, heading, summary

STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


def report_renderable(report: DoctorReport) -> Group:
    """Heading, one row per finding (its fix below its detail, wrapped in the column), verdict."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column()
    for finding in report.findings:
        text = Text(finding.detail)
        if finding.fix:
            text.append("\nfix: ", style="dim").append(finding.fix)
        mark = Text(MARKS[finding.status], style=STYLE[finding.status.value])
        grid.add_row(mark, Text(finding.title), text)
    verdict = Text(summary(report), style="bold" if report.ok else "bold red")
    return Group(Text(heading(report), style="bold"), grid, verdict)
