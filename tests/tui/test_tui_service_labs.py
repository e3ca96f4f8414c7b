"""The course's labs in the TUI. The catalog lists every lab; the labs with services (CQRS,
sidecar) are opened, drawn, started on the REAL local runtime and their first exercise checked
from the keyboard (starter: failing; the solution's file saved: passing, once its service has
reloaded), then stopped with nothing left running. The files-only exercises of decomposition
and STRIDE have their own modules (nothing is started there)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from pilot_support import press_check
from textual.widgets import DataTable

from workbench.runtime.local import procs
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab import LabScreen
from workbench.tui.screens.lab_list import LabListScreen
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.logs import LogsPanel
from workbench.tui.widgets.topology import TopologyView

pytestmark = [pytest.mark.tui]

LABS = Path(__file__).resolve().parents[2] / "labs"


@pytest.mark.parametrize(
    ("lab_id", "title_word"),
    [("saga", "saga"), ("cqrs", "cqrs"), ("sidecar", "ambassador"),
     ("decomposition", "decomposition"), ("stride", "stride")],
)  # fmt: skip
async def test_the_catalog_lists_the_lab(course_labs: Path, lab_id: str, title_word: str) -> None:
    app = WorkbenchApp(runtime="local")
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LabListScreen)
        table = app.screen.query_one("#labs", DataTable)
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)}
        assert lab_id in rows
        assert title_word in str(rows[lab_id][1]).lower()


@dataclass(frozen=True)
class Case:
    lab: str
    drawn: tuple[str, ...]
    """Names the topology drawing shows."""
    file: str
    """The first exercise's learner file, copied from solution/."""
    reloads: str
    """The service that loads it (its reload is awaited before checking again)."""
    exercise: str
    size: tuple[int, int] = (140, 45)


CASES = [
    Case("cqrs", ("orders", "customers", "order-views", "broker"), "projection.py",
         "order-views", "projection"),
    # Wide enough for the full drawing (a smaller panel gets the compact one, without volumes).
    Case("sidecar", ("legacy-app", "ambassador", "shipper", "collector", "app-logs"),
         "shipper.py", "shipper", "log-shipper", size=(220, 60)),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.lab)
async def test_open_draw_check_and_stop(course_labs: Path, case: Case, wait_until) -> None:  # type: ignore[no-untyped-def]
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    workspace = init_workspace(find_lab(case.lab))
    app = WorkbenchApp(lab_id=case.lab, runtime="local")
    async with app.run_test(size=case.size) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
        drawing = str(screen.query_one(TopologyView).query_one("#topology-drawing").render())
        for name in case.drawn:
            assert name in drawing, drawing

        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=90, what="running")
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]
        panel = screen.query_one(ChecksPanel)
        await press_check(pilot, within=90)  # the starter: the first exercise's checks fail
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == []

        logs = screen.query_one(LogsPanel)

        def startups() -> int:
            return sum(
                1
                for line in logs._kept
                if line.service == case.reloads and "Application startup complete" in line.text
            )

        before = startups()
        shutil.copy(LABS / case.lab / "solution" / case.file, workspace / case.file)
        await wait_until(pilot, lambda: startups() > before, within=30, what="reloaded")
        await press_check(pilot, within=90)
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == [case.exercise]

        await pilot.press("x")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=30, what="stopped")
        assert procs.pids_with_env("WORKBENCH_RUN_ID", run_id) == []
