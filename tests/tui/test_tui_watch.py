"""Watch mode on the lab screen (`w`): the header shows it, a save re-runs the checks, a pass
offers the next exercise, `w` again stops it; on the shop lab (real local runtime) it waits for
the orders service to reload first."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from rich.console import Console

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab import LabScreen
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.watch_indicator import WatchIndicator

pytestmark = [pytest.mark.tui]

SHOP_SOLUTION = Path(__file__).resolve().parent.parent / "fixtures/labs/shop/solution/pricing.py"


def _text(renderable: object) -> str:
    console = Console(width=100, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def _save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stamp = time.time_ns() + 10_000_000  # a new mtime even within one clock tick
    os.utime(path, ns=(stamp, stamp))


async def _open(pilot, wait_until) -> LabScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="lab open")
    screen = app.screen
    assert isinstance(screen, LabScreen)
    await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
    return screen


async def test_watch_rechecks_on_save_and_stops_on_toggle(tui_labs: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    app = WorkbenchApp(lab_id="design-mini")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        indicator = screen.query_one(WatchIndicator)
        assert not indicator.display

        await pilot.press("w")
        assert indicator.exercise == "partition" and indicator.display
        await wait_until(
            pilot,
            lambda: indicator.activity == "waiting for a save",
            within=5,
            what="waits for a save",
        )
        assert "watching[/] partition" in str(indicator.render())
        panel = screen.query_one(ChecksPanel)
        assert panel.last_run is None  # nothing saved: nothing checked

        _save(
            workspace / "partition.yaml", (lab.path / "starter/partition.yaml").read_text() + "\n"
        )
        await wait_until(pilot, lambda: panel.last_run is not None, within=30, what="checked")
        assert panel.last_run is not None and panel.last_run.passed_exercises() == []
        assert indicator.activity == "not passing yet"

        _save(workspace / "partition.yaml", (lab.path / "solution/partition.yaml").read_text())
        await wait_until(
            pilot,
            lambda: panel.last_run is not None and panel.last_run.passed_exercises(),
            within=30,
            what="checked again, passing",
        )
        assert indicator.activity == "passed"
        assert any("Press n for the next one" in str(n.message) for n in app._notifications)

        await pilot.press("n")  # watch mode follows the exercise shown
        await wait_until(
            pilot, lambda: indicator.exercise == "decision", within=5, what="follows the exercise"
        )

        await pilot.press("w")
        assert indicator.exercise is None and not indicator.display
        assert not screen.jobs.watching
        before = panel.last_run
        _save(workspace / "decision.md", (lab.path / "solution/decision.md").read_text())
        await pilot.pause(1.5)
        assert panel.last_run is before  # no longer watching: a save checks nothing


@pytest.mark.slow
async def test_watch_waits_for_the_reload_on_the_local_runtime(
    shop_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        indicator = screen.query_one(WatchIndicator)
        await pilot.press("w")  # not running: says how to start, stays off
        assert indicator.exercise is None
        assert any("press s to start" in str(n.message) for n in app._notifications)

        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running")
        await pilot.press("w")
        assert indicator.exercise == "pricing"
        seen: list[str] = []
        panel = screen.query_one(ChecksPanel)
        shutil.copy(SHOP_SOLUTION, shop_workspace / "pricing.py")

        def done() -> bool:
            seen.append(indicator.activity)
            return panel.last_run is not None

        await wait_until(pilot, done, within=60, what="checked after the reload")
        assert "reloading" in seen
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == ["pricing"], _text(panel.shown)

        await pilot.press("x")  # stopping the lab ends watch mode
        await wait_until(pilot, lambda: screen.phase == "stopped", within=30, what="stopped")
        assert indicator.exercise is None and not screen.jobs.watching
