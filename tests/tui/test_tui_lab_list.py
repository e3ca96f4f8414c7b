"""The lab list: each lab with its facts, typing filters, Enter opens, a bad lab explains itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import DataTable, Input

from workbench.tui.app import WorkbenchApp
from workbench.tui.messages import LabChosen
from workbench.tui.screens.lab import LabScreen
from workbench.tui.screens.lab_list import LabListScreen

pytestmark = pytest.mark.tui


def _rows(app: WorkbenchApp) -> list[list[str]]:
    table = app.screen.query_one("#labs", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_lists_every_lab_with_its_facts(tui_labs: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LabListScreen)
        rows = {row[0]: row for row in _rows(app)}
        assert set(rows) == {"design-mini", "shop"}
        assert rows["shop"][1:] == [
            "Fixture shop",
            "beginner",
            "10",
            "0/1",
            "api-gateway, publish-subscribe, sidecar",
        ]


async def test_typing_filters_and_enter_opens_the_lab(tui_labs: Path) -> None:
    chosen: dict[int, str] = {}

    def hook(message: Message) -> None:  # called once per node the message visits
        if isinstance(message, LabChosen):
            chosen[id(message)] = message.lab_id

    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        await pilot.press(*"sidecar")
        assert app.screen.query_one("#filter", Input).value == "sidecar"
        assert [row[0] for row in _rows(app)] == ["shop"]
        await pilot.press("escape")
        assert len(_rows(app)) == 2
        await pilot.press(*"pub", "enter")
        await pilot.pause()
        assert list(chosen.values()) == ["shop"]
        assert isinstance(app.screen, LabScreen)
        assert len(app.screen_stack) == 2
        assert app.screen.lab.id == "shop"


async def test_filter_without_match_says_so(tui_labs: Path) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"kubernetes", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LabListScreen)
        assert any("No lab matches" in str(n.message) for n in app._notifications)


async def test_arrows_move_while_typing_and_progress_shows(
    tui_labs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.checkrun import progress
    from workbench.checkrun.results import CheckResult, CheckRun, Outcome

    run = CheckRun(
        "shop",
        None,
        ["pricing"],
        results=[
            CheckResult("t.py::a", "a", "pricing", Outcome.PASSED),
        ],
    )
    progress.record(run)
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        rows = {row[0]: row for row in _rows(app)}
        assert rows["shop"][4] == "✓ 1/1"
        table = app.screen.query_one("#labs", DataTable)
        assert table.cursor_row == 0
        await pilot.press("down")
        assert table.cursor_row == 1
        assert app.screen.query_one("#filter", Input).has_focus


async def test_invalid_lab_is_listed_and_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "labs" / "broken"
    broken.mkdir(parents=True)
    (broken / "lab.yaml").write_text("format_version: 1\nid: broken\ntitle: 3\n", encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(tmp_path / "labs"))
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert _rows(app)[0][:2] == ["broken", "invalid lab.yaml"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LabListScreen)
        messages = [str(n.message) for n in app._notifications]
        assert any("workbench labs validate" in m for m in messages), messages


async def test_an_alias_bomb_costs_the_list_only_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 19: one hostile lab on the path no longer blocks the list of every lab."""
    import shutil
    import time

    from support import FIXTURE_LABS, REPO

    labs = tmp_path / "labs"
    shutil.copytree(REPO / "tests" / "fixtures" / "hostile" / "alias-bomb", labs / "alias-bomb")
    monkeypatch.setenv("WORKBENCH_LABS_PATH", f"{labs}:{FIXTURE_LABS}")
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    started = time.process_time()
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        rows = {row[0]: row for row in _rows(app)}
        assert set(rows) == {"alias-bomb", "design-mini", "shop"}
        assert rows["alias-bomb"][1] == "invalid lab.yaml"
        assert rows["shop"][1] == "Fixture shop"
        summary = str(app.screen.query_one("#lab-summary").render())
        assert "lab.yaml expands too far (8,335,593,980 nodes" in summary, summary
    assert time.process_time() - started < 10
