"""Stale runs on the real local runtime: the run's record is there, its services are not (every
process killed, as a reboot does; its workspace deleted). `lab status`, `check` and `lab start`
notice it, say what to do, and starting again replaces it."""

from __future__ import annotations

import contextlib
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

from workbench.runtime.gc import gc_local
from workbench.runtime.local import procs
from workbench.runtime.runs import list_runs, run_dir_of

pytestmark = pytest.mark.slow


def wb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "COLUMNS": "300"},
    )


def workspace_copy(target: Path) -> Path:
    shutil.copytree(FIXTURE_LABS / "shop" / "solution", target)
    return target


def kill_everything_of(run_id: str) -> None:
    """What a reboot does to a local run: every process gone, the run folder left."""
    give_up = time.monotonic() + 10
    while pids := procs.pids_with_env("WORKBENCH_RUN_ID", run_id):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert time.monotonic() < give_up, f"processes of {run_id} would not die: {pids}"
        time.sleep(0.05)


@pytest.fixture
def stale_run(fixture_labs: Path, tmp_path: Path) -> Iterator[str]:
    """The shop started on a workspace, then every process of it killed and the workspace
    deleted; yields the run id. Whatever a test starts is gone afterwards."""
    workspace = workspace_copy(tmp_path / "old-ws")
    started = wb("lab", "start", "shop", "--runtime", "local", "--workspace", str(workspace))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        [run] = list_runs("shop")
        kill_everything_of(run.run_id)
        shutil.rmtree(workspace)
        yield run.run_id
    finally:
        gc_local()


def test_status_and_check_say_the_run_is_gone_and_what_to_do(
    stale_run: str, tmp_path: Path
) -> None:
    status = wb("lab", "status", "shop")
    assert status.returncode == 0, status.stderr
    out = " ".join(status.stdout.split())  # rich wraps long lines
    assert f"the recorded run {stale_run} of lab 'shop'" in out, out
    assert "none of its services runs any more" in out
    assert "no longer exists" in out  # the deleted workspace
    assert "workbench lab stop shop" in out and "workbench gc" in out

    as_json = json.loads(wb("lab", "status", "shop", "--json").stdout)
    [run] = as_json["runs"]
    assert run["stale"] is True
    assert {s["state"] for s in run["services"]} <= {"stopped", "crashed"}

    workspace = workspace_copy(tmp_path / "ws")
    check = wb("check", "shop", "--workspace", str(workspace))
    assert check.returncode == 1
    said = " ".join((check.stdout + check.stderr).split())
    assert "none of its services runs any more" in said, said
    assert "workbench lab stop shop" in said and "check shop --start" in said


def test_lab_start_replaces_a_stale_run(stale_run: str, tmp_path: Path) -> None:
    workspace = workspace_copy(tmp_path / "ws")
    started = wb("lab", "start", "shop", "--runtime", "local", "--workspace", str(workspace))
    assert started.returncode == 0, started.stdout + started.stderr
    assert f"removed the recorded run {stale_run}" in " ".join(started.stdout.split())
    assert not run_dir_of(stale_run).exists()
    [run] = list_runs("shop")
    assert run.run_id != stale_run and run.workspace == workspace.resolve()
    stopped = wb("lab", "stop", "shop")
    assert stopped.returncode == 0, stopped.stderr
    assert procs.pids_with_env("WORKBENCH_RUN_ID", run.run_id) == []


def test_check_start_replaces_a_stale_run_and_checks(stale_run: str, tmp_path: Path) -> None:
    workspace = workspace_copy(tmp_path / "ws")
    check = wb("check", "shop", "--start", "--runtime", "local", "--workspace", str(workspace))
    assert check.returncode == 0, check.stdout + check.stderr  # the solution passes
    assert f"removed the recorded run {stale_run}" in " ".join(check.stderr.split())
    assert not run_dir_of(stale_run).exists()
    [run] = list_runs("shop")
    assert run.run_id != stale_run
