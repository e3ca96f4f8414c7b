"""The run registry: run ids, run folders, finding the run of a lab, scratch workspaces."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from workbench.errors import NotRunningError, WorkbenchError
from workbench.paths import runs_dir
from workbench.runtime import runs
from workbench.runtime.base import Deployment, Endpoint


def make_run(lab_id: str, started_at: float) -> Deployment:
    run_id, folder = runs.create_run_dir(lab_id)
    deployment = Deployment(
        lab_id=lab_id,
        run_id=run_id,
        runtime="local",
        run_dir=folder,
        lab_path=Path("/labs/x"),
        workspace=None,
        endpoints={"orders": Endpoint("orders", "http", "http://x:1", "http://x:1")},
        started_at=started_at,
    )
    deployment.save()
    return deployment


def test_run_ids_name_the_lab_and_are_unique() -> None:
    ids = {runs.new_run_id("shop") for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"shop-[0-9a-f]{8}", run_id) for run_id in ids)


def test_run_folders_live_in_the_state_dir(isolated_state: Path) -> None:
    run_id, folder = runs.create_run_dir("shop")
    assert folder == runs_dir() / run_id
    assert folder.is_dir()
    assert str(folder).startswith(str(isolated_state))


def test_find_run_gives_the_newest_run_of_the_lab() -> None:
    old = make_run("shop", time.time() - 60)
    new = make_run("shop", time.time())
    make_run("saga", time.time() + 5)
    assert runs.find_run("shop").run_id == new.run_id
    assert runs.find_run(old.run_id).run_id == old.run_id  # a run id works too
    assert [d.run_id for d in runs.list_runs("shop")] == [old.run_id, new.run_id]
    assert len(runs.list_runs()) == 3


def test_not_running_says_how_to_start() -> None:
    with pytest.raises(NotRunningError) as caught:
        runs.find_run("shop")
    assert "not running" in caught.value.message
    assert caught.value.hint == "start it with `workbench lab start shop`"


def test_unreadable_run_folders_are_skipped_but_listed_for_gc() -> None:
    good = make_run("shop", time.time())
    broken = runs_dir() / "shop-deadbeef"
    broken.mkdir()
    (broken / "run.json").write_text("{half a reco")
    assert [d.run_id for d in runs.list_runs()] == [good.run_id]
    assert broken in runs.run_folders()
    runs.remove_run(broken)
    assert not broken.exists()


def test_unknown_service_lists_the_services() -> None:
    deployment = make_run("shop", time.time())
    runs.check_service(deployment, "orders")
    with pytest.raises(WorkbenchError) as caught:
        runs.check_service(deployment, "ordres")
    assert caught.value.message == "lab 'shop' has no service 'ordres'"
    assert caught.value.hint == "its services: orders"


def test_scratch_workspace_is_a_copy_of_the_starter(tmp_path: Path) -> None:
    starter = tmp_path / "starter"
    (starter / "pkg").mkdir(parents=True)
    (starter / "pricing.py").write_text("# TODO\n")
    (starter / "pkg" / "x.py").write_text("x = 1\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    workspace = runs.scratch_workspace(run_dir, starter)
    assert workspace == run_dir / "workspace"
    assert (workspace / "pricing.py").read_text() == "# TODO\n"
    assert (workspace / "pkg" / "x.py").is_file()
    assert runs.scratch_workspace(run_dir, tmp_path / "no-starter") is None


# -- the start lock: one start of a lab at a time ----------------------------------------------

HOLDER = """
import sys, time
from workbench.runtime import runs
with runs.start_lock("shop"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_start_lock_refuses_at_once_names_its_holder_and_dies_with_it() -> None:
    import signal
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert runs.start_in_progress("shop")
        assert not runs.start_in_progress("saga")  # per lab
        began = time.monotonic()
        with pytest.raises(runs.LabBusyError) as refused, runs.start_lock("shop"):
            pass
        assert time.monotonic() - began < 1.0
        assert refused.value.message == (
            f"lab 'shop' is already starting (process {holder.pid}): one run per lab"
        )
        assert "`workbench lab status shop`" in str(refused.value.hint)
    finally:
        holder.send_signal(signal.SIGKILL)  # as a CLI killed mid-start: the kernel releases it
        holder.wait()
    assert not runs.start_in_progress("shop")
    with runs.start_lock("shop"):
        assert runs.start_in_progress("shop")  # another session of this process is refused too
    assert not runs.start_in_progress("shop")


def test_processes_spawned_under_the_lock_do_not_keep_it() -> None:
    import subprocess

    with runs.start_lock("shop"):
        service = subprocess.Popen(["sleep", "30"], close_fds=False)  # a service outlives its start
    try:
        assert not runs.start_in_progress("shop")
    finally:
        service.kill()
        service.wait()


def test_lock_files_live_beside_the_run_folders_not_among_them(isolated_state: Path) -> None:
    with runs.start_lock("shop"):
        pass
    assert (isolated_state / "locks" / "shop.start.lock").is_file()
    assert runs.run_folders() == []


def _aged(folder: Path, seconds: float = 60.0) -> Path:
    then = time.time() - seconds
    os.utime(folder, (then, then))
    return folder


def test_folders_a_killed_start_left_without_a_record_are_found_once_old_enough() -> None:
    orphan = _aged(runs.create_run_dir("shop")[1])
    fresh = runs.create_run_dir("shop")[1]  # a start writes its run.json right after
    recorded = make_run("shop", time.time()).run_dir
    _aged(recorded)
    other = _aged(runs.create_run_dir("saga")[1])
    assert runs.unrecorded_folders("shop") == [orphan]
    assert sorted(runs.unrecorded_folders()) == sorted([orphan, other])
    assert fresh.is_dir() and recorded.is_dir()


def test_removing_unrecorded_folders_spares_labs_whose_start_is_under_way() -> None:
    shop = _aged(runs.create_run_dir("shop")[1])
    saga = _aged(runs.create_run_dir("saga")[1])
    with runs.start_lock("saga"):  # its start may be about to write that run.json
        assert runs.remove_unrecorded() == [shop.name]
    assert not shop.exists()
    assert saga.is_dir()
