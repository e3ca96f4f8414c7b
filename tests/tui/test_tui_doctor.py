"""F2 shows the doctor's report (what `workbench doctor` prints) from the lab list and the lab
screen; a failed start points at it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Footer

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.doctor import DoctorScreen
from workbench.tui.screens.lab_list import LabListScreen

pytestmark = pytest.mark.tui


async def test_f2_on_the_lab_list_shows_the_report(
    tui_labs: Path, wait_until: Callable[..., object]
) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        shown = {key for key, b in app.screen.active_bindings.items() if b.binding.show}
        assert "f2" in shown  # in the footer
        assert app.screen.query_one(Footer) is not None
        await pilot.press("f2")
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        await wait_until(pilot, lambda: screen.report is not None, within=20, what="a report")
        assert screen.report is not None
        assert screen.report.runtime == "local"
        ids = [f.id for f in screen.report.findings]
        assert ids[:2] == ["python", "docker"]
        assert "labs" in ids
        await pilot.press("escape")
        assert isinstance(app.screen, LabListScreen)


async def test_f2_works_on_the_lab_screen_too(
    shop_workspace: Path, wait_until: Callable[..., object]
) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        assert isinstance(app.screen, DoctorScreen)
        await pilot.press("f2")  # F2 again closes it
        assert not isinstance(app.screen, DoctorScreen)
