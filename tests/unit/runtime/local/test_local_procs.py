"""Process records: a signal reaches the whole group we started, and never a recycled pid."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.runtime.local import procs

# A leader that starts a child in its own group, like uvicorn's reloader and worker.
FAMILY = "import subprocess, time; subprocess.Popen(['sleep', '30']); time.sleep(30)"


@pytest.fixture
def family(tmp_path: Path) -> Iterator[procs.ProcessRecord]:
    proc = subprocess.Popen(
        [sys.executable, "-c", FAMILY], start_new_session=True,
        env={**os.environ, "WORKBENCH_RUN_ID": f"unit-{os.getpid()}"},
    )  # fmt: skip
    record = procs.record_process(tmp_path, "svc", proc.pid, ["python", "-c", FAMILY])
    deadline = time.monotonic() + 5
    while len(procs.group_members(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    yield record
    if procs.group_members(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_records_round_trip(family: procs.ProcessRecord, tmp_path: Path) -> None:
    assert family.start_time == procs.start_time_of(family.pid)
    assert procs.load_records(tmp_path) == {"svc": family}
    procs.forget(tmp_path, "svc")
    assert procs.load_records(tmp_path) == {}


def test_group_holds_leader_and_child(family: procs.ProcessRecord) -> None:
    members = procs.group_members(family.pid)
    assert family.pid in members
    assert len(members) == 2
    assert family.alive


def test_a_recycled_pid_is_never_signalled(family: procs.ProcessRecord) -> None:
    stranger = dataclasses.replace(family, start_time=(family.start_time or 0) + 1)
    assert not procs.group_is_ours(stranger)
    assert not procs.signal_group(stranger, signal.SIGKILL)
    assert len(procs.group_members(family.pid)) == 2  # untouched


def test_pause_and_resume_reach_the_whole_group(family: procs.ProcessRecord) -> None:
    procs.signal_group(family, signal.SIGSTOP)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not all(
        procs.state_of(p) == "T" for p in procs.group_members(family.pid)
    ):
        time.sleep(0.01)
    assert {procs.state_of(p) for p in procs.group_members(family.pid)} == {"T"}
    procs.signal_group(family, signal.SIGCONT)
    time.sleep(0.05)
    assert "T" not in {procs.state_of(p) for p in procs.group_members(family.pid)}


def test_terminate_ends_the_group_quickly(family: procs.ProcessRecord) -> None:
    started = time.monotonic()
    procs.terminate_groups([family], grace=1.0)
    assert time.monotonic() - started < 1.0
    assert procs.group_members(family.pid) == []
    assert not family.alive


def test_a_paused_group_still_terminates(family: procs.ProcessRecord) -> None:
    procs.signal_group(family, signal.SIGSTOP)
    procs.terminate_groups([family], grace=1.0)
    assert procs.group_members(family.pid) == []


def test_processes_are_found_by_their_run_id(family: procs.ProcessRecord) -> None:
    found = procs.pids_with_env("WORKBENCH_RUN_ID", f"unit-{os.getpid()}")
    assert set(found) == set(procs.group_members(family.pid))
    assert procs.pids_with_env("WORKBENCH_RUN_ID", "no-such-run") == []
