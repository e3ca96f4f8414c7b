"""Watch mode on files-only exercises (nothing runs): waits until a file is saved, checks on
each save, starts over when a save lands during a run, offers the next exercise, and the CLI
quits on Ctrl-C with the lab left as it was."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.app.checking import watch_of
from workbench.app.watch import Watch, WatchEvent
from workbench.lab import find_lab, load_lab
from workbench.lab.workspace import init_workspace

SLOW_CHECK = """
import time

import pytest


@pytest.mark.exercise("partition")
def test_slow_enough_to_be_interrupted(workspace):
    time.sleep(2.5)
    assert "god" not in (workspace / "partition.yaml").read_text(), "a god service is no partition"
"""


class Recorder:
    def __init__(self) -> None:
        self.events: list[WatchEvent] = []
        self.lock = threading.Lock()

    def __call__(self, event: WatchEvent) -> None:
        with self.lock:
            self.events.append(event)

    def kinds(self) -> list[str]:
        with self.lock:
            return [e.kind for e in self.events]

    def results(self) -> list[WatchEvent]:
        with self.lock:
            return [e for e in self.events if e.kind == "result"]

    def wait(self, predicate: Callable[[], object], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"within {within} s: {what}; events: {self.kinds()}")
            time.sleep(0.05)


def _start(watch: Watch) -> tuple[Recorder, threading.Event, threading.Thread]:
    recorder, stop = Recorder(), threading.Event()
    thread = threading.Thread(target=watch.run, args=(recorder, stop), daemon=True)
    thread.start()
    return recorder, stop, thread


def _save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    # Two saves within one mtime tick would look like one: make each one visible.
    stamp = time.time_ns() + 10_000_000
    os.utime(path, ns=(stamp, stamp))


def test_waits_for_a_save_then_checks_and_offers_the_next_exercise(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    watch = watch_of(lab, "partition")
    assert watch.deployment is None and watch.workspace == workspace.resolve()
    recorder, stop, thread = _start(watch)
    try:
        recorder.wait(lambda: "waiting" in recorder.kinds(), 5, "says it waits")
        waiting = next(e for e in recorder.events if e.kind == "waiting")
        assert "partition.yaml is still as handed out" in waiting.text
        time.sleep(0.5)
        assert "checking" not in recorder.kinds()  # nothing saved: nothing checked

        solution = (lab.path / "solution" / "partition.yaml").read_text(encoding="utf-8")
        _save(workspace / "partition.yaml", solution)
        recorder.wait(recorder.results, 30, "a result")
        result = recorder.results()[0]
        assert result.run is not None and result.run.passed_exercises() == ["partition"]
        assert result.next_exercise == "decision"
        assert result.newly_passed == ("partition",)
        assert recorder.kinds()[:4] == ["waiting", "saved", "checking", "check"]

        # Saved wrong again: checked again, failing, no next exercise offered.
        bad = (lab.path / "starter" / "partition.yaml").read_text(encoding="utf-8")
        _save(workspace / "partition.yaml", bad)
        recorder.wait(lambda: len(recorder.results()) == 2, 30, "a second result")
        second = recorder.results()[1]
        assert second.run is not None and second.run.passed_exercises() == []
        assert second.next_exercise is None
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_a_missing_file_is_waited_for(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    (workspace / "decision.md").unlink()
    watch = watch_of(lab, "decision")
    recorder, stop, thread = _start(watch)
    try:
        recorder.wait(lambda: "waiting" in recorder.kinds(), 5, "says it waits")
        assert "decision.md is not in" in recorder.events[0].text
    finally:
        stop.set()
        thread.join(10)


def test_a_file_changed_before_the_watch_is_checked_at_once(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    shutil.copy(lab.path / "solution" / "partition.yaml", workspace / "partition.yaml")
    recorder, stop, thread = _start(watch_of(lab, "partition"))
    try:
        recorder.wait(recorder.results, 30, "a result without any save")
        assert "waiting" not in recorder.kinds() and "saved" not in recorder.kinds()
    finally:
        stop.set()
        thread.join(10)


def test_a_save_during_a_run_cancels_it_and_checks_the_new_file(
    fixture_labs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    labs = tmp_path / "labs"
    shutil.copytree(fixture_labs / "design-mini", labs / "design-mini")
    (labs / "design-mini" / "checks" / "test_slow.py").write_text(SLOW_CHECK, encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(labs))
    lab = load_lab(labs / "design-mini")
    workspace = init_workspace(lab)
    recorder, stop, thread = _start(watch_of(lab, "partition"))
    solution = (lab.path / "solution" / "partition.yaml").read_text(encoding="utf-8")
    try:
        recorder.wait(lambda: "waiting" in recorder.kinds(), 5, "waiting")
        _save(workspace / "partition.yaml", solution + "\n# first\n")
        recorder.wait(lambda: "checking" in recorder.kinds(), 10, "checking")
        time.sleep(1.0)  # the slow check is running
        _save(workspace / "partition.yaml", solution + "\n# second\n")
        recorder.wait(recorder.results, 40, "a result")
        kinds = recorder.kinds()
        assert "restarted" in kinds
        assert kinds.index("restarted") < kinds.index("result")
        assert len(recorder.results()) == 1  # the cancelled run gives no verdict
        assert kinds.count("checking") == 2
        run = recorder.results()[0].run
        assert run is not None and run.passed_exercises() == ["partition"], run.results
    finally:
        stop.set()
        thread.join(10)


def test_cli_watch_waits_checks_on_save_and_quits_on_ctrl_c(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "watch", "design-mini"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        time.sleep(2.0)
        shutil.copy(lab.path / "solution" / "partition.yaml", workspace / "partition.yaml")
        time.sleep(6.0)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "Watching design-mini · Partition the shop (partition)" in out
    assert "waiting: partition.yaml is still as handed out" in out
    assert "saved partition.yaml" in out
    assert "Partition the shop (partition): passed" in out
    assert "Next: `workbench watch design-mini decision`" in out
    assert "Stopped watching; nothing was started or stopped." in out
    assert "Traceback" not in out


def test_cli_watch_of_a_lab_that_is_not_running_says_how_to_start_it(fixture_labs: Path) -> None:
    init_workspace(find_lab("shop"))
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "watch", "shop"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 1
    assert "lab 'shop' is not running" in done.stderr
    assert "workbench lab start shop" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_watch_of_an_unknown_exercise_names_the_known_ones(fixture_labs: Path) -> None:
    init_workspace(find_lab("design-mini"))
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "watch", "design-mini", "nope"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert "no exercise 'nope'" in done.stderr and "partition, decision" in done.stderr
