"""The check engine against the fixture shop lab on the real local runtime, through the CLI.

A learner's whole loop: init, check (not running → told how to start), check --start (fails with
the sentence and hint), fix, check (passes), progress. Plus the `faults` fixture's clean-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.authoring.mutants import read_mutants
from workbench.checkrun.results import Outcome
from workbench.checkrun.runner import run_checks
from workbench.lab import load_lab
from workbench.lab.workspace import find_workspace
from workbench.runtime import fault_record
from workbench.runtime.local import LocalRuntime

WORKBENCH = [sys.executable, "-m", "workbench"]


def wb(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WORKBENCH, *args], capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "300"},  # no wrapping of the messages asserted on
    )  # fmt: skip


@pytest.fixture
def shop(fixture_labs: Path) -> Iterator[None]:
    """The lab list points at the fixture labs; whatever a test started is stopped after it."""
    yield
    wb("lab", "stop", "shop")


def test_learner_loop_from_init_to_progress(shop: None, tmp_path: Path) -> None:
    workspace = tmp_path / "my-shop"
    init = wb("lab", "init", "shop", str(workspace))
    assert init.returncode == 0, init.stderr
    assert (workspace / "pricing.py").is_file()

    not_running = wb("check", "shop")
    assert not_running.returncode == 1
    assert "is not running" in not_running.stderr
    assert "workbench lab start shop" in not_running.stderr
    assert "--start" in not_running.stderr
    assert "Traceback" not in not_running.stderr

    failing = wb("check", "shop", "--start", "--runtime", "local")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "✗ total adds up the items" in failing.stdout
    assert "cost 1225 cents, but the order's total is 0" in failing.stdout
    assert "hint: Add quantity × unit_cents for every item" in failing.stdout
    assert "Traceback" not in failing.stdout + failing.stderr
    assert "started shop" in failing.stderr

    shutil.copy(FIXTURE_LABS / "shop" / "solution" / "pricing.py", workspace / "pricing.py")
    restart = wb("lab", "restart", "shop", "orders")
    assert restart.returncode == 0, restart.stderr

    passing = wb("check", "shop", "pricing")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "All 1 exercise(s) passed" in passing.stdout
    assert "exercise pricing done" in passing.stdout

    progress = wb("progress", "--json")
    entry = json.loads(progress.stdout)["shop"]["pricing"]
    assert entry["first_passed"]
    assert entry["last_status"] == "passed"
    assert "1/1 passed" in wb("progress").stdout


def test_json_and_junit_outputs_of_a_failing_check(shop: None, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    assert wb("lab", "init", "shop", str(workspace)).returncode == 0
    lab = load_lab(FIXTURE_LABS / "shop")
    [round_up] = [m for m in read_mutants(lab)[0] if m.name == "round-up"]
    wrong = round_up.materialise(lab.solution_dir, tmp_path / "round-up")
    shutil.copy(wrong / "pricing.py", workspace)
    junit = tmp_path / "junit.xml"
    result = wb(
        "check", "shop", "--start", "--runtime", "local", "--json", "--junit-xml", str(junit)
    )
    assert result.returncode == 1
    data = json.loads(result.stdout)  # stdout is the JSON alone; progress went to stderr
    assert data["lab"] == "shop"
    assert data["passed"] is False
    assert data["counts"] == {"passed": 3, "failed": 1, "error": 0, "skipped": 0}
    [failed] = [c for c in data["checks"] if c["outcome"] == "failed"]
    assert "rounds down to 1102" in failed["message"]
    assert failed["hint"].startswith("Round the discounted total down")
    assert data["run_id"].startswith("shop-")
    import xml.etree.ElementTree as ET

    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures")) == ("4", "1")


def test_the_faults_fixture_undoes_everything_after_each_check(tmp_path: Path) -> None:
    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    (lab_dir / "checks" / "test_faults.py").write_text("""
import time

import pytest

from workbench.checks import eventually

ORDER = {"items": [{"sku": "tea", "quantity": 1, "unit_cents": 100}]}


@pytest.mark.exercise("pricing")
def test_a_fail_next(faults, http, service_url):
    faults.fail_next("orders", 1)
    assert http.post(service_url("gateway") + "/orders", json=ORDER).status_code == 503


@pytest.mark.exercise("pricing")
def test_b_fault_is_gone(http, service_url):
    assert http.post(service_url("gateway") + "/orders", json=ORDER).status_code == 201


@pytest.mark.exercise("pricing")
def test_c_kill(faults, http, service_url):
    faults.kill("orders")
    assert http.post(service_url("gateway") + "/orders", json=ORDER).status_code == 502


@pytest.mark.exercise("pricing")
def test_d_killed_service_is_back(http, service_url):
    eventually(lambda: http.post(service_url("gateway") + "/orders", json=ORDER).status_code
               == 201, within=10, message="orders did not come back after the kill")


@pytest.mark.exercise("pricing")
def test_e_latency(faults, http, service_url):
    faults.latency("orders", 300, route="/orders")
    began = time.monotonic()
    http.post(service_url("gateway") + "/orders", json=ORDER)
    assert time.monotonic() - began >= 0.3


@pytest.mark.exercise("pricing")
def test_f_partition(faults, http, service_url):
    faults.partition("audit")
    assert http.get(service_url("gateway") + "/audit").status_code == 503
""")
    lab = load_lab(lab_dir)
    workspace = tmp_path / "ws"
    shutil.copytree(lab.solution_dir, workspace)
    runtime = LocalRuntime()
    deployment = runtime.up(lab, workspace)
    try:
        run = run_checks(lab, workspace, deployment=deployment, exercises=["pricing"])
        failing = [(r.name, r.message, r.details[-500:]) for r in run.results if not r.ok]
        assert failing == []
        assert len(run.results) == 10
        assert fault_record.active(deployment) == []
        began = time.monotonic()
        assert deployment.url("audit")
        from urllib.request import urlopen

        with urlopen(deployment.url("gateway") + "/audit", timeout=5) as answer:
            assert answer.status == 200
        assert time.monotonic() - began < 1.0  # no latency left behind either
    finally:
        runtime.down(deployment)


def test_checks_of_a_design_lab_never_ask_to_start(fixture_labs: Path) -> None:
    assert wb("lab", "init", "design-mini").returncode == 0
    result = wb("check", "design-mini")
    assert result.returncode == 1
    assert "not running" not in result.stdout + result.stderr
    assert "Partition the shop (partition): not passing yet" in result.stdout
    assert "no service owns catalog, ordering, payment, shipping" in result.stdout
    assert "Record the decision (decision): not checked" in result.stdout
    assert Outcome.FAILED.value  # the model the TUI shows is the same one


def test_a_file_that_does_not_load_is_reported_before_any_check(fixture_labs: Path) -> None:
    assert wb("lab", "init", "shop").returncode == 0
    workspace = find_workspace("shop")
    assert workspace is not None
    (workspace / "pricing.py").write_text("def total_cents(items, code=None):\n    return sum(\n")
    began = time.monotonic()
    result = wb("check", "shop", "--start", "--runtime", "local")
    try:
        assert result.returncode == 1
        assert "Your files do not load, so no check ran" in result.stdout
        assert "pricing.py:2: syntax error" in result.stdout
    finally:
        wb("lab", "stop", "shop")
    assert time.monotonic() - began < 60
