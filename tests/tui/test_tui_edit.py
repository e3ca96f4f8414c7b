"""`e` on the lab screen hands the terminal to the learner's editor and takes it back (a fake
editor here; the headless driver is told it can suspend, and records that it did); with no editor
or one that does not start, one sentence and the workbench stays. `d` shows the diff."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pilot_support import press_check
from textual.drivers.headless_driver import HeadlessDriver

from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.diff import DiffScreen
from workbench.tui.screens.lab import LabScreen

pytestmark = [pytest.mark.tui]


@pytest.fixture
def suspends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The headless driver suspends and resumes, and says so."""
    calls: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda _self: True))
    monkeypatch.setattr(
        HeadlessDriver, "suspend_application_mode", lambda _self: calls.append("suspend")
    )
    monkeypatch.setattr(
        HeadlessDriver, "resume_application_mode", lambda _self: calls.append("resume")
    )
    return calls


@pytest.fixture
def design_workspace(tui_labs: Path) -> Path:
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    return init_workspace(find_lab("design-mini"))


def _fake_editor(tmp_path: Path) -> Path:
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\necho "# edited in the fake editor" >> "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


async def _open(pilot, wait_until) -> LabScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="lab open")
    screen = app.screen
    assert isinstance(screen, LabScreen)
    await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
    return screen


def _messages(app: WorkbenchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_e_suspends_runs_the_editor_and_comes_back(
    design_workspace: Path,
    suspends: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(_fake_editor(tmp_path)))
    app = WorkbenchApp(lab_id="design-mini")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        await pilot.press("e")
        await pilot.pause()
        assert suspends == ["suspend", "resume"]
        text = (design_workspace / "partition.yaml").read_text()
        assert text.endswith("# edited in the fake editor\n")
        assert app.screen is screen

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen), within=5, what="diff")
        diff = app.screen
        assert isinstance(diff, DiffScreen)
        assert [d.file for d in diff.diffs] == ["partition.yaml"]
        assert "+# edited in the fake editor" in diff.diffs[0].diff
        assert diff.diffs[0].diff.startswith("--- starter/partition.yaml\n+++ yours/partition.yaml")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, within=5, what="diff closed")


async def test_e_without_an_editor_says_how_to_set_one(
    design_workspace: Path,
    suspends: list[str],
    monkeypatch: pytest.MonkeyPatch,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = WorkbenchApp(lab_id="design-mini")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        await pilot.press("e")
        await pilot.pause()
        assert suspends == []  # nothing to hand the terminal to
        said = [m for m in _messages(app) if "No editor is set" in m]
        assert said and "export EDITOR=" in said[0]
        assert str(design_workspace / "partition.yaml") in said[0]
        assert app.screen is screen


async def test_an_editor_that_does_not_start_is_one_sentence_and_the_tui_comes_back(
    design_workspace: Path,
    suspends: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    app = WorkbenchApp(lab_id="design-mini")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        await pilot.press("e")
        await pilot.pause()
        assert suspends == ["suspend", "resume"]
        said = [m for m in _messages(app) if "could not be started" in m]
        assert said and "no-such-editor" in said[0]
        assert app.screen is screen

        await pilot.press("d")  # nothing changed: said per file
        await wait_until(pilot, lambda: isinstance(app.screen, DiffScreen), within=5, what="diff")
        assert isinstance(app.screen, DiffScreen)
        assert app.screen.diffs[0].diff == ""


async def test_h_climbs_the_hint_ladder_after_a_failing_check(
    design_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    from workbench.checkrun.progress import lab_progress
    from workbench.tui.widgets.checks import ChecksPanel

    app = WorkbenchApp(lab_id="design-mini")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        hints = screen.lab.exercise("partition").hints
        await pilot.press("h")
        assert any("comes after a check that fails" in m for m in _messages(app))

        await press_check(pilot, within=30)
        panel = screen.query_one(ChecksPanel)
        shown = _plain(panel.shown)
        assert "h shows hint 1 of 2" in shown and hints[0] not in shown  # offered, not shown

        await pilot.press("h")
        shown = _plain(panel.shown)
        assert hints[0] in shown and "h shows hint 2 of 2" in shown
        assert any(hints[0] in m for m in _messages(app))
        await pilot.press("h")
        shown = _plain(panel.shown)
        assert hints[1] in shown and "shows hint" not in shown
        assert lab_progress("design-mini")["partition"].hints_used == 2


def _plain(renderable: object) -> str:
    import os

    from rich.console import Console

    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()
