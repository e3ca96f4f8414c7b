"""The decomposition lab in the TUI: its screen draws the strangler's
topology (monolith, freelancers, facade), the learner's cut is drawn with `g`, and its first
exercise (files only) is checked from the keyboard with nothing started: the starter fails with
a sentence, the solution's cut passes."""

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

LAB = Path(__file__).resolve().parents[2] / "labs" / "decomposition"


@pytest.fixture
def workspace(course_labs: Path) -> Path:
    return init_workspace(find_lab("decomposition"))


def _drawn(view: TopologyView) -> str:
    return str(view.query_one("#topology-drawing").render())


async def test_open_draw_and_check_the_contexts_without_starting(
    workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="decomposition", runtime="local")
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
        topology = screen.query_one(TopologyView)
        for name in ("monolith", "freelancers", "facade", "clients"):
            assert name in _drawn(topology), _drawn(topology)

        assert screen.instructions.current_exercise == "contexts"
        panel = screen.query_one(ChecksPanel)
        await press_check(pilot, within=60)  # the starter: one service for six teams
        run = panel.last_run
        assert run is not None and run.error is None and run.run_id is None
        failed = [r.message or "" for r in run.results if not r.ok]
        assert any("service monolith is worked on by 6 teams" in m for m in failed), failed
        assert screen.phase == "stopped"

        shutil.copy(LAB / "solution" / "decomposition.yaml", workspace / "decomposition.yaml")
        await press_check(pilot, within=60)
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == ["contexts"]
        assert not runs_dir().exists() or list(runs_dir().iterdir()) == []

        await pilot.press("g")  # declared
        await pilot.press("g")  # the learner's cut
        assert topology.view == "design"
        await wait_until(
            pilot, lambda: "vault" in _drawn(topology), within=30, what="the learner's cut"
        )
        assert "monolith" not in _drawn(topology)
