"""Shared terminal output: one rich console, errors as message + hint."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from workbench.errors import WorkbenchError


@cache
def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


@cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def print_error(exc: WorkbenchError) -> None:
    from rich.markup import escape

    err_console().print(f"[bold red]error:[/] {escape(exc.message)}")
    if exc.hint:
        err_console().print(f"[yellow]hint:[/] {escape(exc.hint)}")
