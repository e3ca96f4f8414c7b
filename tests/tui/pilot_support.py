"""Pilot test helpers: wait for the app without sleeping blindly, check from the keyboard."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from workbench.checkrun.results import CheckRun


async def wait_for(
    pilot: Pilot[object], predicate: Callable[[], object], *, within: float, what: str
) -> None:
    """Let the app run until `predicate()` is true, or fail saying what never happened."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"within {within} s: {what}")
        await pilot.pause(0.05)


async def press_check(pilot: Pilot[object], within: float = 60) -> CheckRun:
    """Press `c` on the lab screen and wait for that run's result. A warm run can be over before
    the key press returns, so this waits for a new result rather than for `checking`."""
    from workbench.tui.widgets.checks import ChecksPanel

    screen = pilot.app.screen
    panel = screen.query_one(ChecksPanel)
    before = panel.last_run
    await pilot.press("c")
    await wait_for(
        pilot,
        lambda: panel.last_run is not before and not getattr(screen, "checking", False),
        within=within,
        what="checks done",
    )
    assert panel.last_run is not None
    return panel.last_run
