"""The topology panel's views (live, declared, the learner's design) switched with `g`, and a
files-only exercise checked from the TUI without starting the lab."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_support import press_check

from workbench.paths import runs_dir
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.lab import LabScreen
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.topology import TopologyView

pytestmark = [pytest.mark.tui]

MIXED_LABS = Path(__file__).resolve().parent.parent / "fixtures" / "mixed-labs"


@pytest.fixture
def decompose_workspace(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The decompose lab (files-only `boundaries`, services for `naming`) and its workspace."""
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(MIXED_LABS))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return init_workspace(find_lab("decompose"))


def _drawn(view: TopologyView) -> str:
    return str(view.query_one("#topology-drawing").render())


async def _open(pilot, wait_until) -> LabScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="lab open")
    screen = app.screen
    assert isinstance(screen, LabScreen)
    await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
    return screen


async def test_g_switches_live_declared_and_design_views(
    decompose_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="decompose", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        topology = screen.query_one(TopologyView)
        assert topology.views == ("live", "declared", "design")
        assert topology.view == "live"
        assert topology.border_title == "Topology · live (not running)"
        assert screen.check_action("graph_view", ()) is True
        footer = [str(key.description) for key in screen.query("FooterKey")]
        assert "Graph view" in footer

        await pilot.press("g")
        assert topology.view == "declared"
        assert topology.border_title == "Topology · declared in lab.yaml"
        assert "carrier" in _drawn(topology)

        await pilot.press("g")
        assert topology.view == "design"
        assert topology.border_title == "Topology · your design"
        await wait_until(
            pilot, lambda: "shop" in _drawn(topology), within=30, what="the starter's design"
        )
        assert "carrier" not in _drawn(topology)  # the learner's services, not lab.yaml's

        # A save that breaks the file: the parse problem replaces the drawing, no traceback.
        (decompose_workspace / "design.yaml").write_text("services: [\n")
        await wait_until(
            pilot, lambda: topology.problem_shown is not None, within=30, what="the problem"
        )
        assert topology.problem_shown is not None
        assert topology.problem_shown.startswith("design.yaml line 2")
        assert "design.yaml line 2" in _drawn(topology)

        # Fixed again: drawn again.
        solution = MIXED_LABS / "decompose" / "solution" / "design.yaml"
        (decompose_workspace / "design.yaml").write_text(solution.read_text())
        await wait_until(
            pilot, lambda: "ordering" in _drawn(topology), within=30, what="the fixed design"
        )

        # What a learner's file holds is text, never markup.
        from workbench.app.design import DesignView

        topology.set_design(DesignView(None, "design.yaml line 1: [/] is [bold]odd"))
        await pilot.pause()
        assert "[/] is [bold]odd" in _drawn(topology)

        await pilot.press("g")
        assert topology.view == "live"
        assert "carrier" in _drawn(topology)


async def test_a_files_only_exercise_is_checked_without_starting(
    decompose_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="decompose", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        assert screen.instructions.current_exercise == "boundaries"
        assert screen.phase == "stopped"
        await press_check(pilot, within=60)
        run = screen.query_one(ChecksPanel).last_run
        assert run is not None and run.error is None and run.run_id is None
        failed = [r.message for r in run.results if not r.ok]
        assert any("modularity of your boundaries is 0.00" in m for m in failed), failed
        assert screen.phase == "stopped"
        assert not runs_dir().exists() or list(runs_dir().iterdir()) == []

        await pilot.press("n")  # `naming` talks to the catalog service: start first
        assert screen.instructions.current_exercise == "naming"
        await pilot.press("c")
        assert not screen.checking


DESIGN_OF_PARTITION = """
import networkx as nx
import yaml

from workbench.topology import DesignError


def build(workspace):
    try:
        data = yaml.safe_load((workspace / "partition.yaml").read_text())
    except yaml.YAMLError as exc:
        raise DesignError(f"partition.yaml: {exc.problem}") from None
    g = nx.DiGraph()
    for name, caps in ((data or {}).get("services") or {}).items():
        g.add_node(name, description=", ".join(caps or []))
    return g
"""


async def test_a_design_lab_shows_its_design_as_its_only_view(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    """A lab without services but with a design graph: the panel shows the design alone."""
    import shutil

    labs = tmp_path / "labs"
    lab_dir = labs / "design-mini"
    shutil.copytree(MIXED_LABS.parent / "labs" / "design-mini", lab_dir)
    (lab_dir / "design").mkdir()
    (lab_dir / "design" / "partition.py").write_text(DESIGN_OF_PARTITION)
    text = (lab_dir / "lab.yaml").read_text()
    (lab_dir / "lab.yaml").write_text(text + "\ndesign_graph: design.partition:build\n")
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(labs))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")

    app = WorkbenchApp(lab_id="design-mini", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot, wait_until)
        topology = screen.query_one(TopologyView)
        assert topology.views == ("design",)
        assert screen.check_action("graph_view", ()) is False  # nothing to switch to
        await wait_until(
            pilot, lambda: "Nothing to draw yet" in _drawn(topology), within=30, what="empty"
        )
        workspace = screen.session.workspace
        assert workspace is not None
        (workspace / "partition.yaml").write_text("services:\n  monolith: [catalog, payment]\n")
        await wait_until(
            pilot, lambda: "monolith" in _drawn(topology), within=30, what="the saved design"
        )
        assert "catalog, payment" in _drawn(topology)
