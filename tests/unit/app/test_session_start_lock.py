"""One run per lab, whoever starts it (issue 19): the lab's start lock, seen through LabSession and
the CLI, on a fake runtime that records a run and takes as long as the test says to come up."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from workbench.app.session import LabSession
from workbench.cli import cli
from workbench.lab import find_lab
from workbench.runtime import runs
from workbench.runtime.base import Deployment, Endpoint, ServiceState, ServiceStatus
from workbench.runtime.runs import LabBusyError


class SlowRuntime:
    """Writes the run record at once, then comes up when `release` is set."""

    name: ClassVar[str] = "fake"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.recorded = threading.Event()
        self.dead: set[str] = set()
        """Run ids whose services are all gone (or not up yet)."""

    def up(self, lab: Any, workspace: Path | None, **_options: object) -> Deployment:
        run_id, run_dir = runs.create_run_dir(lab.id)
        deployment = Deployment(
            lab_id=lab.id, run_id=run_id, runtime=self.name, run_dir=run_dir, lab_path=lab.path,
            workspace=workspace, started_at=time.time(),
            endpoints={"orders": Endpoint("orders", "http", "http://x:1", "http://x:1")},
        )  # fmt: skip
        deployment.save()
        self.recorded.set()
        assert self.release.wait(10), "the test never let the start finish"
        return deployment

    def status(self, deployment: Deployment) -> list[ServiceStatus]:
        state = ServiceState.STOPPED if deployment.run_id in self.dead else ServiceState.READY
        return [ServiceStatus("orders", state, "http://x:1")]

    def down(self, deployment: Deployment) -> None:
        runs.remove_run(deployment.run_dir)


@pytest.fixture
def fake(fixture_labs: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowRuntime]:
    from workbench.runtime import select

    runtime = SlowRuntime()
    real = select.get_runtime
    monkeypatch.setattr(select, "get_runtime", lambda n="auto": runtime if n == "fake" else real(n))
    yield runtime
    runtime.release.set()


def _session(notes: list[str] | None = None) -> LabSession:
    return LabSession(find_lab("shop"), "fake", note=(notes if notes is not None else []).append)


def test_two_starts_at_the_same_moment_make_one_run_and_one_refusal(fake: SlowRuntime) -> None:
    barrier = threading.Barrier(2)
    results: list[object] = []
    took: list[float] = []

    def start() -> None:
        barrier.wait()
        began = time.monotonic()
        try:
            results.append(_session().start())
        except LabBusyError as exc:
            took.append(time.monotonic() - began)
            results.append(exc)
            fake.release.set()  # the winner comes up only once the loser has been refused

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    (won,) = [r for r in results if isinstance(r, Deployment)]
    (lost,) = [r for r in results if isinstance(r, LabBusyError)]
    assert [d.run_id for d in runs.list_runs("shop")] == [won.run_id]
    assert lost.message.startswith("lab 'shop' is already starting")
    assert "`workbench lab status shop`" in str(lost.hint)
    assert took[0] < 2.0  # refused at once: the loser never waits for the winner's start


def test_a_start_while_the_lab_runs_says_already_running(fake: SlowRuntime) -> None:
    fake.release.set()
    first = _session().start()
    with pytest.raises(LabBusyError) as refused:
        _session().start()
    assert refused.value.message == f"lab 'shop' is already running ({first.run_id}, fake)"
    assert refused.value.hint == (
        "see it with `workbench lab status shop`, or stop it first with `workbench lab stop shop`"
    )
    assert len(runs.list_runs("shop")) == 1


def test_a_stale_run_is_removed_and_the_start_goes_on(fake: SlowRuntime) -> None:
    fake.release.set()
    old = _session().start()
    fake.dead.add(old.run_id)
    notes: list[str] = []
    new = _session(notes).start()
    assert [d.run_id for d in runs.list_runs("shop")] == [new.run_id]
    assert any(old.run_id in n and "none of its services runs" in n for n in notes)


def test_open_leaves_a_run_that_is_still_starting_alone(fake: SlowRuntime) -> None:
    starting = threading.Thread(target=_session().start)
    starting.start()
    try:
        assert fake.recorded.wait(10)
        (record,) = runs.list_runs("shop")
        fake.dead.add(record.run_id)  # no service is up yet: it looks stale, and is not
        other = _session()
        assert other.open()  # adopted (it comes up), not removed
        assert other.require().run_id == record.run_id
        assert record.run_dir.is_dir()
        with pytest.raises(LabBusyError, match="already starting"):
            _session().refuse_if_busy()
    finally:
        fake.release.set()
        starting.join(10)


def test_lab_start_and_check_start_refuse_at_once_while_another_start_holds_the_lock(
    fixture_labs: Path,
) -> None:
    from workbench.lab.workspace import init_workspace

    init_workspace(find_lab("shop"))
    with runs.start_lock("shop"):
        began = time.monotonic()
        result = CliRunner().invoke(cli, ["lab", "start", "shop", "--runtime", "local"])
        assert time.monotonic() - began < 5.0
        refused = result.exception  # (`workbench`'s main prints it: message, then hint)
        assert isinstance(refused, LabBusyError), result.output
        assert refused.message == "lab 'shop' is already starting: one run per lab"
        assert "`workbench lab status shop`" in str(refused.hint)
        assert runs.run_folders() == []

        # A recorded run with no live service while a start holds the lock is not stale:
        # `check --start` must not remove it to start its own.
        run_id, folder = runs.create_run_dir("shop")
        Deployment("shop", run_id, "local", folder, fixture_labs / "shop", None).save()
        checked = CliRunner().invoke(
            cli, ["check", "shop", "--start", "--runtime", "local", "--json"]
        )
        report = json.loads(checked.stdout)
        assert checked.exit_code == 1
        assert "lab 'shop' is already starting" in str(report["error"])
        assert runs.run_folders() == [folder]


def _unrecorded_folder() -> Path:
    """What a `lab start` killed with SIGKILL between making its run folder and writing its
    run.json leaves: a folder `lab stop` cannot find by its record."""
    import os

    folder = runs.create_run_dir("shop")[1]
    then = time.time() - 60
    os.utime(folder, (then, then))
    return folder


def test_a_start_removes_what_a_killed_start_left_before_its_record(fake: SlowRuntime) -> None:
    fake.release.set()
    orphan = _unrecorded_folder()
    notes: list[str] = []
    deployment = _session(notes).start()
    assert runs.run_folders() == [deployment.run_dir]
    assert notes == [f"removed {orphan.name}: a start that was killed before it recorded its run"]


def test_lab_stop_removes_what_a_killed_start_left_before_its_record(fixture_labs: Path) -> None:
    from workbench.errors import NotRunningError

    _unrecorded_folder()
    result = CliRunner().invoke(cli, ["lab", "stop", "shop"])
    assert isinstance(result.exception, NotRunningError)  # nothing recorded ran
    assert runs.run_folders() == []
