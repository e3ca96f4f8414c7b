"""The sidecar lab in the TUI, on the REAL local runtime: the catalog lists it, its screen draws the
app with its two sidecars, and its first exercise's checks run from the keyboard (starter:
failing; solution: passing). Nothing is left running."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import DataTable

from workbench.lab import find_lab
from workbench.lab.workspace import init_workspace
from workbench.runtime.local import procs
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab import LabScreen
from workbench.tui.screens.lab_list import LabListScreen
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.logs import LogsPanel
from workbench.tui.widgets.topology import TopologyView

pytestmark = [pytest.mark.tui, pytest.mark.slow]

SIDECAR = Path(__file__).resolve().parents[2] / "labs" / "sidecar"


@pytest.fixture
def sidecar_workspace(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(SIDECAR.parent))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return init_workspace(find_lab("sidecar"))


async def test_the_catalog_lists_the_lab(sidecar_workspace: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LabListScreen)
        table = app.screen.query_one("#labs", DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert "sidecar" in rows
        assert "ambassador" in str(rows["sidecar"][1]).lower()


async def test_open_draw_check_the_shipper_and_stop(sidecar_workspace: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="sidecar", runtime="local")
    # Wide enough for the full drawing (a smaller panel gets the compact one, without volumes).
    async with app.run_test(size=(220, 60)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
        drawing = str(screen.query_one(TopologyView).query_one("#topology-drawing").render())
        for name in ("legacy-app", "ambassador", "shipper", "collector", "app-logs"):
            assert name in drawing, drawing

        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=90, what="running")
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]
        panel = screen.query_one(ChecksPanel)
        await pilot.press("c")  # the starter: the shipper's checks fail
        await wait_until(pilot, lambda: not screen.checking, within=90, what="checks done")
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == []

        logs = screen.query_one(LogsPanel)

        def startups() -> int:
            return sum(
                1
                for line in logs._kept
                if line.service == "shipper" and "Application startup complete" in line.text
            )

        before = startups()
        shutil.copy(SIDECAR / "solution" / "shipper.py", sidecar_workspace / "shipper.py")
        await wait_until(pilot, lambda: startups() > before, within=30, what="shipper reloaded")
        await pilot.press("c")
        await wait_until(pilot, lambda: not screen.checking, within=90, what="checks done")
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == ["log-shipper"]

        await pilot.press("x")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=30, what="stopped")
        assert procs.pids_with_env("WORKBENCH_RUN_ID", run_id) == []
