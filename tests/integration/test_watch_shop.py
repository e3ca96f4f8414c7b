"""Watch mode and "what happened" on the real runtimes, local and Docker (the fixture shop lab):
a save reloads the orders service, the loop waits for its new process before checking, a broken
save is said at once, `workbench watch` leaves the lab running when it quits, and a failing
check carries the calls and events it set off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.app.checking import watch_of
from workbench.app.session import LabSession
from workbench.app.watch import WatchEvent
from workbench.lab import find_lab
from workbench.lab.workspace import init_workspace
from workbench.runtime.docker import engine_available

pytestmark = pytest.mark.timeout(900)  # a first bake of the shop images on Docker

SOLUTION = Path(__file__).resolve().parents[1] / "fixtures/labs/shop/solution/pricing.py"


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def running_shop(request: pytest.FixtureRequest, fixture_labs: Path) -> Iterator[LabSession]:
    runtime = str(request.param)
    if runtime == "docker" and not engine_available():
        pytest.skip("no Docker engine answers")  # a failure in CI (tests/conftest.py)
    lab = find_lab("shop")
    init_workspace(lab)
    session = LabSession(lab, runtime)
    session.ensure_workspace()
    session.start(deadline=600)  # a first bake of the shop's images on Docker
    try:
        yield session
    finally:
        session.stop()


def _wait(events: list[WatchEvent], kind: str, count: int, within: float) -> None:
    deadline = time.monotonic() + within
    while sum(1 for e in events if e.kind == kind) < count:
        if time.monotonic() > deadline:
            seen = [e.kind for e in events]
            raise AssertionError(f"no {count} {kind!r} within {within} s: {seen}")
        time.sleep(0.05)


def test_a_save_waits_for_the_reload_then_checks(running_shop: LabSession) -> None:
    watch = watch_of(running_shop.lab, "pricing")
    assert watch.deployment is not None and watch.reloading_services == ["orders"]
    workspace = watch.workspace
    boot_before = watch._boot("orders")
    assert boot_before
    events: list[WatchEvent] = []
    stop = threading.Event()
    thread = threading.Thread(target=watch.run, args=(events.append, stop), daemon=True)
    thread.start()
    try:
        _wait(events, "waiting", 1, 10)
        (workspace / "pricing.py").write_text(SOLUTION.read_text(encoding="utf-8"))
        _wait(events, "result", 1, 60)
        kinds = [e.kind for e in events]
        assert kinds.index("reloading") < kinds.index("checking")
        assert watch._boot("orders") not in (None, boot_before)  # a new process answered
        run = next(e.run for e in events if e.kind == "result")
        assert run is not None and run.passed_exercises() == ["pricing"], run.results
        assert not any(e.kind == "note" for e in events)  # reloaded in time

        # A file that does not load: said at once, without waiting for a reload.
        (workspace / "pricing.py").write_text("def total(:\n")
        began = time.monotonic()
        _wait(events, "result", 2, 30)
        broken = [e.run for e in events if e.kind == "result"][1]
        assert broken is not None and broken.import_problems
        assert "pricing.py:1" in str(broken.import_problems[0])
        assert time.monotonic() - began < 15
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


def test_cli_watch_leaves_the_lab_running(running_shop: LabSession) -> None:
    deployment = running_shop.deployment
    assert deployment is not None
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "watch", "shop", "pricing", "--timeout", "20"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        time.sleep(2.5)
        workspace = watch_of(running_shop.lab, "pricing").workspace
        (workspace / "pricing.py").write_text(SOLUTION.read_text(encoding="utf-8"))
        deadline = time.monotonic() + 60
        progress = Path(os.environ["WORKBENCH_STATE_DIR"]) / "progress.json"
        while time.monotonic() < deadline and '"last_status": "passed"' not in (
            progress.read_text() if progress.exists() else ""
        ):
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "waiting for orders to reload" in out, out
    assert "Price an order (pricing): passed" in out, out
    assert "That was the last exercise of this lab." in out
    assert "shop keeps running" in out
    statuses = {s.service: s.state.value for s in running_shop.status()}
    assert set(statuses.values()) == {"ready"}, statuses


def test_check_v_and_json_say_what_happened(running_shop: LabSession) -> None:
    """The starter prices every order at 0: the failing checks carry the gateway's call to
    orders and the event orders published, tied to the check by its request id."""
    import json

    env = {**os.environ, "COLUMNS": "250"}
    verbose = subprocess.run(
        [sys.executable, "-m", "workbench", "check", "shop", "-v"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert verbose.returncode == 1, verbose.stdout + verbose.stderr
    out = verbose.stdout
    assert "what happened" in out
    assert "check → gateway  POST /orders → 201" in out, out
    assert "gateway → orders  POST /orders → 201" in out
    assert "orders → events  publish order.created" in out
    assert "events → audit  deliver order.created" in out
    assert out.index("check → gateway") < out.index("gateway → orders") < out.index("publish")

    as_json = subprocess.run(
        [sys.executable, "-m", "workbench", "check", "shop", "--json"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    data = json.loads(as_json.stdout)
    failing = [c for c in data["checks"] if c["outcome"] == "failed"]
    assert failing and all(c["trace"] for c in failing)
    ids = {r["request_id"] for c in failing[:1] for r in c["trace"]}
    assert len(ids) == 1  # one check, one id, through every service it reached
    kinds = {(r["service"], r["kind"]) for r in failing[0]["trace"]}
    assert {("gateway", "request"), ("gateway", "call"), ("orders", "request")} <= kinds
    assert all(c["trace"] == [] for c in data["checks"] if c["outcome"] == "passed")
