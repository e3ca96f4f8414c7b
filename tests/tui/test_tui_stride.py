"""The STRIDE lab in the TUI: its screen draws the shop's topology and the
learner's own DFD (from threatmodel.yaml, open threats marked), and the files-only
stride-per-element exercise is checked from the keyboard without starting anything (starter:
failing with a sentence; the solution's model: passing). Nothing is started, nothing left
running."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pilot_support import press_check

from workbench.lab import find_lab
from workbench.lab.workspace import init_workspace
from workbench.paths import runs_dir
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab import LabScreen
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.topology import TopologyView

pytestmark = [pytest.mark.tui]

STRIDE = Path(__file__).resolve().parents[2] / "labs" / "stride"


@pytest.fixture
def stride_workspace(course_labs: Path) -> Path:
    return init_workspace(find_lab("stride"))


def drawn(view: TopologyView) -> str:
    return str(view.query_one("#topology-drawing").render())


async def test_open_draw_the_dfd_and_check_the_threats_without_starting(
    stride_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="stride", runtime="local")
    async with app.run_test(size=(150, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
        topology = screen.query_one(TopologyView)
        for name in ("gateway", "identity", "orders", "audit", "broker", "client"):
            assert name in drawn(topology), drawn(topology)
        assert topology.views == ("live", "declared", "design")
        await pilot.press("g", "g")
        assert topology.view == "design"
        await wait_until(
            pilot, lambda: "STRIDE open" in drawn(topology), within=30, what="the starter's DFD"
        )

        await pilot.press("n")
        assert screen.instructions.current_exercise == "stride-per-element"
        await press_check(pilot, within=60)
        panel = screen.query_one(ChecksPanel)
        run = panel.last_run
        assert run is not None and run.error is None and run.run_id is None
        failed = [r.message for r in run.results if not r.ok]
        assert any("not in your diagram" in m for m in failed), failed

        shutil.copy(STRIDE / "solution" / "threatmodel.yaml", stride_workspace)
        await press_check(pilot, within=60)
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == ["stride-per-element"]
        assert screen.phase == "stopped"
        assert not runs_dir().exists() or list(runs_dir().iterdir()) == []
