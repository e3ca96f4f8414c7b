"""Enter on the checks tab after a failing saga check: the sequence of what happened, one lane
per service, the shipping outage the check injected marked on the calls it hit, in order (the
saga lab on the real local runtime, with a solution that forgets to compensate)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pilot_support import press_check
from rich.console import Console

from workbench.authoring.patches import apply_patch, parse_patch
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.happened import HappenedScreen
from workbench.tui.screens.lab import LabScreen
from workbench.tui.widgets.checks import ChecksPanel

pytestmark = [pytest.mark.tui, pytest.mark.slow]

SAGA = Path(__file__).resolve().parents[2] / "labs" / "saga"


def _plain(lines: list[object]) -> list[str]:
    console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    for line in lines:
        console.print(line)
    return console.export_text().splitlines()


@pytest.fixture
def saga_without_compensation(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("WORKBENCH_LABS_PATH", raising=False)
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    workspace = init_workspace(find_lab("saga"))
    for path in (SAGA / "solution").glob("*.py"):
        shutil.copy(path, workspace / path.name)
    patch = parse_patch((SAGA / "mutants" / "no-compensation.patch").read_text())
    apply_patch(patch, workspace)
    return workspace


async def test_enter_shows_the_sequence_of_a_failing_saga_check(
    saga_without_compensation: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="saga", runtime="local")
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="prepared")
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=90, what="running")
        try:
            await pilot.press("n")  # happy-path → compensation
            assert screen.instructions.current_exercise == "compensation"
            await press_check(pilot, within=120)
            run = screen.query_one(ChecksPanel).last_run
            assert run is not None and run.passed_exercises() == []

            await pilot.press("enter")
            await wait_until(
                pilot, lambda: isinstance(app.screen, HappenedScreen), within=5, what="sequence"
            )
            sequence = app.screen
            assert isinstance(sequence, HappenedScreen)
            for _ in sequence.results:
                if "shipping outage" in sequence.results[sequence.index].name:
                    break
                await pilot.press("right")
            result = sequence.results[sequence.index]
            assert "shipping outage" in result.name, [r.name for r in sequence.results]
            lines = _plain(list(sequence.shown_lines))
            header = lines[0].split()
            assert header[0] == "check" and {"order", "shipping", "payment"} <= set(header)
            text = "\n".join(lines)
            fault = text.index("fault injected: error_rate")
            charge = text.index("POST /charges → 201")
            outage = text.index("POST /shipments → 503 ⚡error_rate")
            assert fault < charge < outage  # in time order, the fault marked where it hit
            # Each call is drawn as an arrow between its two lanes.
            arrow = lines[lines.index(next(x for x in lines if "POST /charges" in x)) + 1]
            assert "▶" in arrow or "◀" in arrow
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is screen, within=5, what="closed")
        finally:
            await pilot.press("x")
            await wait_until(pilot, lambda: screen.phase == "stopped", within=60, what="stopped")
