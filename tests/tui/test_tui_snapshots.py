"""Snapshots of the lab list and the lab screen at 80×24 and 120×40.

Deterministic: fixture labs, a fixed workspace path, no run (so no ports), no notifications,
animations off and the cursor not blinking. Update with `pytest --snapshot-update` after a
deliberate change, and look at the SVGs before committing them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from workbench.tui.app import WorkbenchApp

pytestmark = pytest.mark.tui

SIZES = [(80, 24), (120, 40)]
HOME = Path("/tmp/workbench-tui-snapshots")


@pytest.fixture
def fixed_home(tui_labs: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The workspace path is on screen: keep it the same from run to run."""
    shutil.rmtree(HOME, ignore_errors=True)
    monkeypatch.setenv("WORKBENCH_HOME", str(HOME))
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    init_workspace(find_lab("shop"))
    yield HOME
    shutil.rmtree(HOME, ignore_errors=True)


async def _settle(pilot: Pilot[None]) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.screen.workers.wait_for_complete() if hasattr(
        pilot.app.screen, "workers"
    ) else None
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lab_list(snap_compare, fixed_home: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(WorkbenchApp(runtime="local"), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lab_screen(snap_compare, fixed_home: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="shop", runtime="local")
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_lab_screen_light_theme_with_theory(snap_compare, fixed_home: Path) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="shop", runtime="local")
    assert snap_compare(app, terminal_size=(120, 40), press=["ctrl+t", "t"], run_before=_settle)


def test_help_screen(snap_compare, fixed_home: Path) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="shop", runtime="local")
    assert snap_compare(app, terminal_size=(120, 40), press=["f1"], run_before=_settle)


def test_pattern_catalog(snap_compare, fixed_home: Path) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(runtime="local")
    assert snap_compare(app, terminal_size=(120, 40), press=["f3", *"messag"], run_before=_settle)


def test_pattern_page(snap_compare, fixed_home: Path) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(runtime="local")
    press = ["f3", *"api gateway", "enter"]
    assert snap_compare(app, terminal_size=(120, 40), press=press, run_before=_settle)


async def _maximize_topology(pilot: Pilot[None]) -> None:
    from workbench.tui.widgets.topology import TopologyView

    await _settle(pilot)
    pilot.app.screen.query_one(TopologyView).focus()
    await pilot.press("m")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lab_screen_topology_maximized(
    snap_compare, fixed_home: Path, size: tuple[int, int]
) -> None:  # type: ignore[no-untyped-def]
    """`m` gives the whole screen to the focused panel; at 80 columns the drawing is compact."""
    app = WorkbenchApp(lab_id="shop", runtime="local")
    assert snap_compare(app, terminal_size=size, run_before=_maximize_topology)


def _happened_result():  # type: ignore[no-untyped-def]
    from workbench.checkrun.results import CheckResult, Outcome

    def rec(ts: float, service: str, kind: str, **fields: object) -> dict[str, object]:
        return {"ts": ts, "service": service, "kind": kind, "request_id": "r", **fields}

    trace = (
        rec(10.0, "check", "fault", fault="fail_next", detail="count=2 route=/charges"),
        rec(10.5, "order", "request", method="POST", path="/orders", status=202, ms=480.0),
        rec(10.1, "payment", "request", method="POST", path="/charges", status=503, ms=1.0,
            fault="fail_next"),
        rec(10.11, "order", "call", peer="payment", method="POST", path="/charges", status=503,
            ms=3.0),
        rec(10.3, "order", "call", peer="inventory", method="DELETE", path="/reservations/7",
            status=204, ms=2.0),
        rec(10.44, "order", "published", subject="order.rejected", seq=4),
        rec(10.45, "notification", "consumed", subject="order.rejected", seq=4, delivery=1),
    )  # fmt: skip
    return CheckResult(
        "checks/test_x.py::test_refund", "a payment outage refunds nothing", "compensation",
        Outcome.FAILED, "order 7 was rejected but no refund was sent", trace=trace,
    )  # fmt: skip


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_what_happened_sequence(snap_compare, fixed_home: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Enter on a failing check: its calls and events, one lane per service."""
    from workbench.tui.screens.happened import HappenedScreen

    async def show(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.app.push_screen(HappenedScreen([_happened_result()]))
        await pilot.pause()

    app = WorkbenchApp(lab_id="shop", runtime="local")
    assert snap_compare(app, terminal_size=size, run_before=show)
