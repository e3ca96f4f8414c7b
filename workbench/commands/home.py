"""Bare `workbench`: the terminal UI when it is available, else the catalog as a table."""

from __future__ import annotations


def open_home() -> None:
    from workbench.commands.labs import print_catalog

    print_catalog()
