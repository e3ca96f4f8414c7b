"""Two `workbench lab start` of one lab at the same moment (issue 19): real CLI processes on the
local runtime and the shop fixture lab. Exactly one run, one refusal that says how to see the lab,
and nothing left after `lab stop`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.runtime.gc import gc_local
from workbench.runtime.local import procs
from workbench.runtime.local.ports import is_listening
from workbench.runtime.runs import list_runs

pytestmark = pytest.mark.slow
SOLUTION = str(FIXTURE_LABS / "shop" / "solution")


@pytest.fixture
def env(isolated_state: Path) -> Iterator[dict[str, str]]:
    yield {**os.environ, "WORKBENCH_LABS_PATH": str(FIXTURE_LABS)}
    gc_local()  # whatever a failed test left


def workbench(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "workbench", *args], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def ours(state: Path) -> list[int]:
    """Every live process that came from this test's CLIs (they all carry its state folder)."""
    found = procs.pids_with_env("WORKBENCH_STATE_DIR", str(state))
    return [pid for pid in found if procs.state_of(pid) not in (None, "Z")]


def test_two_starts_at_the_same_moment_run_the_lab_once(
    env: dict[str, str], isolated_state: Path
) -> None:
    start = ("lab", "start", "shop", "--runtime", "local", "--workspace", SOLUTION)
    clis = [workbench(env, *start), workbench(env, *start)]
    outcomes = []
    for cli in clis:
        out, err = cli.communicate(timeout=120)
        outcomes.append((cli.returncode, out, err))
    assert sorted(code for code, _, _ in outcomes) == [0, 1], outcomes
    (_, out, _err) = next(o for o in outcomes if o[0] == 0)
    (_, _, refusal) = next(o for o in outcomes if o[0] == 1)
    assert "Traceback" not in refusal
    assert "lab 'shop' is already starting" in refusal or "lab 'shop' is already running" in refusal
    assert "workbench lab status shop" in refusal
    assert "ready" in out

    (run,) = list_runs("shop")
    run_pids = procs.pids_with_env("WORKBENCH_RUN_ID", run.run_id)
    assert len(run_pids) >= 5 + 4  # the broker, and a reloader + worker per python service
    assert sorted(ours(isolated_state)) == sorted(run_pids)  # the loser started nothing
    ports = [int(port) for port in run.extra["ports"].values()]

    stop = subprocess.run([sys.executable, "-m", "workbench", "lab", "stop", "shop"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert stop.returncode == 0, stop.stderr
    assert ours(isolated_state) == []
    assert not any(is_listening(port) for port in ports)
    assert list((isolated_state / "runs").iterdir()) == []


def test_a_start_during_a_start_is_refused_at_once_and_status_answers(
    env: dict[str, str], isolated_state: Path
) -> None:
    start = ("lab", "start", "shop", "--runtime", "local", "--workspace", SOLUTION)
    first = workbench(env, *start)
    runs = isolated_state / "runs"
    give_up = time.monotonic() + 60
    while not any(runs.glob("shop-*/run.json")):  # the first start has recorded its run
        assert first.poll() is None and time.monotonic() < give_up, first.communicate()
        time.sleep(0.02)

    began = time.monotonic()
    second = subprocess.run([sys.executable, "-m", "workbench", *start], env=env,
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    status = subprocess.run([sys.executable, "-m", "workbench", "lab", "status", "shop"], env=env,
                            capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    took = time.monotonic() - began
    starting = first.poll() is None
    assert first.wait(120) == 0, first.communicate()
    assert second.returncode == 1
    assert "workbench lab status shop" in second.stderr
    if starting:  # (on a slow machine the first start may be over: then it is "already running")
        assert "lab 'shop' is already starting" in second.stderr
    assert status.returncode == 0, status.stderr  # a look never waits for the lock
    assert "shop" in status.stdout
    assert took < 30  # two CLI launches, never a wait for the start (a hang would hit timeout)
    assert len(list_runs("shop")) == 1

    stop = subprocess.run([sys.executable, "-m", "workbench", "lab", "stop", "shop"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert stop.returncode == 0, stop.stderr
    assert ours(isolated_state) == []
    assert list(runs.iterdir()) == []
