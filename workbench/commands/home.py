"""Bare `workbench`: the terminal UI (textual is imported here, never at CLI start-up).

When stdout is not a terminal (a pipe, a script, CI), a full-screen UI makes no sense: the lab list
is printed as a table instead.
"""

from __future__ import annotations

import sys


def open_home(lab_id: str | None = None) -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from workbench.commands.labs import print_lab_list

        print_lab_list()
        return
    from workbench.tui.app import run_app

    run_app(lab_id=lab_id)
