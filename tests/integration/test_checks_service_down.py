"""A service stopped by hand makes `check` an error naming it, never a verdict; a service a check
broke itself keeps the check's verdict (issue 19, item 4; the real local runtime)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.checkrun.results import Outcome
from workbench.checkrun.runner import run_checks
from workbench.lab import load_lab
from workbench.runtime import runs
from workbench.runtime.local import LocalRuntime, procs

WORKBENCH = [sys.executable, "-m", "workbench"]


def wb(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WORKBENCH, *args], capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip


def _kill_by_hand(run_dir: Path, service: str) -> None:
    """What a learner does with `kill` in another shell: the process is gone, nothing recorded."""
    record = procs.load_records(run_dir)[service]
    os.killpg(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while procs.group_members(record.pid) and time.monotonic() < deadline:
        procs.reap(record.pid)
        time.sleep(0.02)


@pytest.fixture
def shop(fixture_labs: Path) -> Iterator[None]:
    yield
    wb("lab", "stop", "shop")


def test_a_service_stopped_by_hand_is_an_error_with_the_restart_command(
    shop: None, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    assert wb("lab", "init", "shop", str(workspace)).returncode == 0
    shutil.copy(FIXTURE_LABS / "shop" / "solution" / "pricing.py", workspace / "pricing.py")
    started = wb("check", "shop", "--start", "--runtime", "local")
    assert started.returncode == 0, started.stdout + started.stderr
    deployment = runs.find_run("shop")

    _kill_by_hand(deployment.run_dir, "orders")
    result = wb("check", "shop", "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    data = json.loads(result.stdout)
    by_service = [c for c in data["checks"] if c["outcome"] != "passed"]
    assert by_service, data
    for check in by_service:
        assert check["outcome"] == "error", check
        assert check["message"].startswith(
            "orders is not running — `workbench lab restart shop orders`"
        ), check
        assert check["hint"] is None
    assert data["counts"]["failed"] == 0

    text = wb("check", "shop")
    assert text.returncode == 1
    assert "orders is not running — `workbench lab restart shop orders`" in text.stdout

    restart = wb("lab", "restart", "shop", "orders")
    assert restart.returncode == 0, restart.stderr
    again = wb("check", "shop")
    assert again.returncode == 0, again.stdout + again.stderr


def test_what_a_check_broke_itself_keeps_the_checks_verdict(tmp_path: Path) -> None:
    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    (lab_dir / "checks" / "test_own_faults.py").write_text("""
import pytest

from workbench.checks import Faults


@pytest.mark.exercise("pricing")
def test_a_kill_then_a_verdict(faults):
    faults.kill("orders")
    assert False, "the gateway should have said 502"


@pytest.mark.exercise("pricing")
def test_b_pause_then_a_verdict(faults):
    faults.pause("audit")
    assert False, "audit should have timed out"


@pytest.mark.exercise("pricing")
def test_c_a_module_wide_faults_object(deployment):
    Faults(deployment).kill("gateway")
    assert False, "a verdict while gateway is down on purpose"


@pytest.mark.exercise("pricing")
def test_d_gateway_is_still_down(http, service_url):
    http.get(service_url("gateway") + "/health")
""")
    lab = load_lab(lab_dir)
    workspace = tmp_path / "ws"
    shutil.copytree(lab.solution_dir, workspace)
    runtime = LocalRuntime()
    deployment = runtime.up(lab, workspace)
    try:
        run = run_checks(lab, workspace, deployment=deployment, exercises=["pricing"],
                         stop_at_failure=False)  # fmt: skip
        outcomes = {r.name: (r.outcome, r.message) for r in run.results}
        assert outcomes["a kill then a verdict"] == (
            Outcome.FAILED,
            "the gateway should have said 502",
        )
        assert outcomes["b pause then a verdict"] == (Outcome.FAILED, "audit should have timed out")
        assert outcomes["c a module wide faults object"] == (
            Outcome.FAILED,
            "a verdict while gateway is down on purpose",
        )
        # That Faults object never undid its kill: gateway stays the checks' own doing (an error
        # of the check, not of the lab) until it is seen running again.
        outcome, message = outcomes["d gateway is still down"]
        assert outcome is Outcome.ERROR
        assert "not running — `workbench lab restart" not in message
    finally:
        runtime.down(deployment)
