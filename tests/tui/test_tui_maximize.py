"""`m` on the lab screen maximizes the focused panel and gives the screen back; the topology
draws compactly where the full drawing would not fit (80×24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TabbedContent, Tabs

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab import LabScreen
from workbench.tui.widgets.instructions import InstructionsViewer
from workbench.tui.widgets.topology import TopologyView
from workbench.tui.widgets.watch_indicator import WatchIndicator

pytestmark = [pytest.mark.tui]


async def test_m_maximizes_the_focused_panel_and_gives_it_back(
    shop_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="prepared")
        topology = screen.query_one(TopologyView)
        side = str(topology.query_one("#topology-drawing").render())
        assert topology.region.width < 60
        assert "orders ▣" in side and "▣ stores: orders" in side  # too narrow: compact
        topology.focus()
        await pilot.press("m")
        await pilot.pause()
        assert screen.maximized is topology
        assert topology.region.width == 80  # the whole width
        drawn = topology.query_one("#topology-drawing").render()
        lines = str(drawn).splitlines()
        assert max(len(line.rstrip()) for line in lines) <= 78
        assert "gateway → orders: POST /orders" in str(drawn)
        assert screen.query_one(WatchIndicator) is not None

        await pilot.press("m")
        await pilot.pause()
        assert screen.maximized is None

        screen.query_one(TabbedContent).query_one(Tabs).focus()  # the tabs' row
        await pilot.press("m")
        assert screen.maximized is screen.query_one(TabbedContent)
        await pilot.press("m")
        screen.set_focus(None)
        await pilot.press("m")  # nothing focused: the instructions
        assert isinstance(screen.maximized, InstructionsViewer)
        await pilot.press("m")
        assert screen.maximized is None
