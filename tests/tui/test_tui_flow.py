"""The main flow on the REAL local runtime, driven by keys as a learner would:
open the shop lab → start → services ready → check → failure with its hint → fix → pass → stop →
nothing left running. Plus cancelling a start and quitting while the lab runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pilot_support import press_check
from rich.console import Console

from workbench.app.session import LOCAL_RUNTIME_NOTE
from workbench.paths import runs_dir
from workbench.runtime import faults
from workbench.runtime.local import procs
from workbench.tui import backend
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.confirm import ConfirmScreen
from workbench.tui.screens.lab import LabScreen
from workbench.tui.widgets.checks import ChecksPanel
from workbench.tui.widgets.logs import LogsPanel
from workbench.tui.widgets.services import ServicesPanel

pytestmark = [pytest.mark.tui, pytest.mark.slow]

SOLUTION = Path(__file__).resolve().parent.parent / "fixtures/labs/shop/solution/pricing.py"


def _text(renderable: object) -> str:
    console = Console(width=100, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def _left_running(run_id: str) -> list[int]:
    return procs.pids_with_env("WORKBENCH_RUN_ID", run_id)


async def _open_shop(pilot, wait_until) -> LabScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="lab open")
    screen = app.screen
    assert isinstance(screen, LabScreen)
    await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
    return screen


async def test_start_check_fail_fix_pass_stop(shop_workspace: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="shop", runtime="local")
    notified = _spy_on_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        services = screen.query_one(ServicesPanel)

        await pilot.press("s")
        assert screen.phase == "starting"
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="lab running")
        assert {services.state_of(s.name) for s in screen.lab.services} == {"ready"}
        deployment = screen.session.deployment
        assert deployment is not None
        run_id = deployment.run_id
        assert _left_running(run_id)  # really running processes
        # The first start on the local runtime says, once, that learner code runs unconfined.
        assert notified.count(LOCAL_RUNTIME_NOTE) == 1

        # The starter is wrong: the checks fail, each with its sentence and hint.
        panel = screen.query_one(ChecksPanel)
        await press_check(pilot, within=60)
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == []
        shown = _text(panel.shown)
        assert "✗ total adds up the items" in shown
        assert "cost 1225 cents, but the order's total is 0" in shown
        assert "hint: Add quantity × unit_cents for every item" in shown
        assert "Hints for this exercise" in shown

        # Fix the workspace file; the service reloads (its log says so), the checks pass.
        logs = screen.query_one(LogsPanel)

        def startups() -> int:
            return sum(
                1
                for line in logs._kept
                if line.service == "orders" and "Application startup complete" in line.text
            )

        before = startups()
        shutil.copy(SOLUTION, shop_workspace / "pricing.py")
        await wait_until(pilot, lambda: startups() > before, within=20, what="orders reloaded")
        await press_check(pilot, within=60)
        assert panel.last_run is not None
        assert panel.last_run.passed_exercises() == ["pricing"], _text(panel.shown)
        assert "every check passes" in _text(panel.query_one("#checks-headline").render())
        assert "pricing" in backend.passed_exercises(screen.lab)  # progress recorded
        assert screen.instructions.passed == {"pricing"}

        await pilot.press("x")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=20, what="stopped")
        assert _left_running(run_id) == []
        assert not (runs_dir() / run_id).exists()
        assert {services.state_of(s.name) for s in screen.lab.services} == {"stopped"}

        await pilot.press("s")  # a second start in the same session: no second note
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running again")
        assert notified.count(LOCAL_RUNTIME_NOTE) == 1
        await pilot.press("x")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=20, what="stopped")


def _spy_on_notifications(app: WorkbenchApp) -> list[str]:
    """Every notification's text, kept (the app forgets those that timed out)."""
    sent: list[str] = []
    notify = app.notify

    def spy(message: str, *args: object, **kwargs: object) -> None:
        sent.append(str(message))
        notify(message, *args, **kwargs)  # type: ignore[arg-type]

    app.notify = spy  # type: ignore[method-assign]
    return sent


async def test_cancel_start_leaves_nothing(shop_workspace: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        await pilot.press("s")
        # Cancel as soon as the first service is on its way.
        await wait_until(
            pilot,
            lambda: screen.query_one(ServicesPanel).state_of("broker") != "stopped",
            within=20,
            what="start under way",
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=60, what="cancelled")
        assert isinstance(app.screen, LabScreen)  # Escape cancelled; it did not leave the lab
        assert any("cancelled" in str(n.message) for n in app._notifications)
        assert not list(runs_dir().glob("shop-*"))
        left = [
            p
            for p in procs.pids_with_env("WORKBENCH_LAB", "shop")
            if str(runs_dir()) in " ".join(procs.cmdline_of(p))
        ]
        assert left == []


async def test_cancel_that_loses_the_race_still_stops(shop_workspace: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    """Escape pressed after the start's last step, before the screen heard it was over."""
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running")
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]
        # Replay the race: the cancel is recorded, then the start's "done" message arrives.
        screen.session.cancel_start()
        screen.jobs._done_start(None, None)
        await wait_until(pilot, lambda: screen.phase == "stopped", within=30, what="stopped")
        assert any("cancelled" in str(n.message) for n in app._notifications)
        assert _left_running(run_id) == []


async def test_cancel_checks(shop_workspace: Path, wait_until) -> None:  # type: ignore[no-untyped-def]
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running")
        # Slow every order down, so the checks are still running when escape arrives (the
        # shop's four checks otherwise finish in half a second and the cancel would race them).
        faults.inject(screen.session.deployment, "orders", "latency", latency_ms=1500)  # type: ignore[arg-type]
        await pilot.press("c")
        panel = screen.query_one(ChecksPanel)
        await wait_until(pilot, lambda: bool(panel._results), within=30, what="first result")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.checking, within=30, what="checks stopped")
        assert panel.last_run is None
        assert "cancelled" in _text(panel.query_one("#checks-headline").render())
        assert screen.phase == "running"  # cancelling checks does not stop the lab
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]
        await pilot.press("x")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=20, what="stopped")
        assert _left_running(run_id) == []


async def test_quit_while_running_asks_then_stops_everything(
    shop_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running")
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]

        await pilot.press("ctrl+q")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), within=5, what="quit asks first"
        )
        await pilot.press("n")  # keep working: nothing stops
        await pilot.pause()
        assert screen.phase == "running"
        assert _left_running(run_id)

        await pilot.press("ctrl+q")
        await wait_until(
            pilot, lambda: isinstance(app.screen, ConfirmScreen), within=5, what="quit asks again"
        )
        await pilot.press("y")
        await wait_until(pilot, lambda: not app.is_running, within=30, what="app exited")
    assert _left_running(run_id) == []
    assert not (runs_dir() / run_id).exists()


async def test_app_closing_any_other_way_still_stops_the_lab(
    shop_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running")
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]
        app.exit()  # no dialog: a crash, a signal, a test ending
    assert _left_running(run_id) == []


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


async def test_cancel_ends_a_hanging_check_at_once(
    tmp_path: Path,
    tui_labs: Path,
    monkeypatch: pytest.MonkeyPatch,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    """Escape stops checks at once even while one hangs and the runner reports nothing."""
    import os
    import time

    from textual.widgets import ProgressBar

    labs = tmp_path / "labs"
    lab_dir = labs / "design-mini"
    shutil.copytree(tui_labs / "design-mini", lab_dir)
    (lab_dir / "checks" / "test_hang.py").write_text(
        "import time\n\nimport pytest\n\n\n@pytest.mark.exercise('partition')\n"
        "def test_hangs() -> None:\n    time.sleep(25)\n"
    )
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(labs))

    def checks_processes() -> list[int]:
        """Checks started cold (pytest on the lab's checks) or forked by the warm server."""
        from workbench.checkrun import warm

        server = warm._state.server.proc.pid if warm._state.server else None

        def ours(pid: int) -> bool:
            cold = str(lab_dir / "checks") in " ".join(procs.cmdline_of(pid))
            return cold or (server is not None and _parent_of(pid) == server)

        return [pid for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()) if ours(pid)]

    app = WorkbenchApp(lab_id="design-mini", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, LabScreen), within=5, what="open")
        screen = app.screen
        assert isinstance(screen, LabScreen)
        await wait_until(pilot, lambda: not screen.workers, within=10, what="lab prepared")
        await pilot.press("c")
        panel = screen.query_one(ChecksPanel)
        bar = panel.query_one("#checks-progress", ProgressBar)
        await wait_until(pilot, lambda: bar.total is not None, within=20, what="checks collected")
        await wait_until(pilot, checks_processes, within=5, what="checks process")
        began = time.monotonic()
        await pilot.press("escape")
        await wait_until(pilot, lambda: not screen.checking, within=5, what="checks cancelled")
        assert time.monotonic() - began < 5
        assert "cancelled" in _text(panel.query_one("#checks-headline").render())
        assert checks_processes() == []


def _cli(*args: str) -> str:
    """Run a `workbench` command as a learner in another shell would; its output."""
    from click.testing import CliRunner

    from workbench.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _faults_of(service: str) -> list[str]:
    import json

    report = json.loads(_cli("lab", "status", "shop", "--json"))
    (run,) = report["runs"]
    (status,) = [s for s in run["services"] if s["service"] == service]
    return list(status["faults"])


async def test_service_keys_go_through_the_fault_record(
    shop_workspace: Path,
    wait_until,  # type: ignore[no-untyped-def]
) -> None:
    """A pause from the TUI is a fault like one from `workbench fault`: `lab status` shows it and
    `fault clear` undoes it. A restart from the TUI forgets the faults of the old process, as
    `lab restart` does."""
    app = WorkbenchApp(lab_id="shop", runtime="local")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_shop(pilot, wait_until)
        await pilot.press("s")
        await wait_until(pilot, lambda: screen.phase == "running", within=60, what="running")
        services = screen.query_one(ServicesPanel)
        run_id = screen.session.deployment.run_id  # type: ignore[union-attr]

        screen.selected_service = "audit"
        await pilot.press("z")
        await wait_until(pilot, lambda: services.state_of("audit") == "paused", within=10,
                         what="audit paused")  # fmt: skip
        assert _faults_of("audit") == ["paused"]
        assert "cleared 1 fault(s)" in _cli("fault", "clear", "shop")
        await wait_until(pilot, lambda: services.state_of("audit") == "ready", within=10,
                         what="audit resumed by `fault clear`")  # fmt: skip

        _cli("fault", "shop", "orders", "latency", "--ms", "200")
        assert _faults_of("orders") == ["latency 200 ms"]
        screen.selected_service = "orders"
        await pilot.press("r")
        await wait_until(pilot, lambda: not _faults_of("orders"), within=30,
                         what="the restart forgot the old process's latency")  # fmt: skip
        await wait_until(pilot, lambda: services.state_of("orders") == "ready", within=30,
                         what="orders ready again")  # fmt: skip
        assert "no active faults" in _cli("fault", "list", "shop")

        await pilot.press("x")
        await wait_until(pilot, lambda: screen.phase == "stopped", within=20, what="stopped")
        assert _left_running(run_id) == []
