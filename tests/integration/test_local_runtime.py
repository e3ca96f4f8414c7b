"""The local runtime on the real fixture shop lab: processes, NATS, faults, restart, stop, gc.

One lab is started for the module (workspace = the lab's solution/) and the tests run in file
order against it; the last one stops it and proves nothing of the run is left. The failing-service
and kill-the-CLI tests start their own runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from support import FIXTURE_LABS

from workbench.checks.faults import Faults
from workbench.errors import StartFailedError, WorkbenchError
from workbench.lab import Lab, load_lab
from workbench.lab.model import ServiceKind
from workbench.runtime import fault_record, faults
from workbench.runtime.base import Deployment, ServiceState
from workbench.runtime.gc import gc_local
from workbench.runtime.local import LocalRuntime, procs
from workbench.runtime.local.ports import is_listening
from workbench.runtime.runs import load_run, run_dir_of

T = TypeVar("T")
ORDER = {"items": [{"sku": "tea", "quantity": 2, "unit_cents": 450}]}


def eventually(check: Callable[[], T], within: float = 10.0, message: str = "") -> T:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, message or f"not true within {within} s"
        time.sleep(0.05)


def states(runtime: LocalRuntime, deployment: Deployment) -> dict[str, ServiceState]:
    return {s.service: s.state for s in runtime.status(deployment)}


def ports_of(deployment: Deployment) -> list[int]:
    return [int(e.url.rsplit(":", 1)[1]) for e in deployment.endpoints.values()]


def pids_of_run(deployment: Deployment) -> list[int]:
    return procs.pids_with_env("WORKBENCH_RUN_ID", deployment.run_id)


@pytest.fixture(scope="module")
def shop() -> Lab:
    return load_lab(FIXTURE_LABS / "shop")


@pytest.fixture(scope="module")
def module_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("local-runtime-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(state))
        yield state


@pytest.fixture(scope="module")
def runtime() -> LocalRuntime:
    return LocalRuntime()


@pytest.fixture(scope="module")
def running(shop: Lab, runtime: LocalRuntime, module_state: Path) -> Iterator[Deployment]:
    try:
        deployment = runtime.up(shop, shop.solution_dir, deadline=60)
    except StartFailedError as exc:  # leave nothing running, then fail every test with the reason
        partial = load_run(run_dir_of(exc.run_id))
        if partial:
            runtime.down(partial)
        raise
    yield deployment
    runtime.down(deployment)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_start_gives_every_service_ready_on_the_loopback(
    running: Deployment, runtime: LocalRuntime
) -> None:
    assert states(runtime, running) == dict.fromkeys(
        ("audit", "broker", "gateway", "logship", "orders"), ServiceState.READY
    )
    assert all(e.url.startswith(("http://127.0.0.1:", "nats://127.0.0.1:"))
               for e in running.endpoints.values())  # fmt: skip
    assert load_run(running.run_dir) == running  # the record other shells read
    records = procs.load_records(running.run_dir)
    assert set(records) == set(running.endpoints)
    assert all(r.start_time for r in records.values())


def test_an_order_through_the_gateway_reaches_audit_via_nats_and_the_sidecar(
    running: Deployment, http: httpx.Client
) -> None:
    gateway = running.url("gateway")
    created = http.post(f"{gateway}/orders", json=ORDER)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["total_cents"] == 900  # the solution's pricing.py, loaded from the workspace

    def audited_records() -> list[dict[str, object]]:
        records = http.get(f"{gateway}/audit").json()["records"]
        return [r for r in records if r["order_id"] == order["id"]]

    audited = eventually(audited_records, message="audit never consumed order.created")
    assert audited[0]["total_cents"] == 900

    # logship shares audit's volume (a folder of the run) and reads what audit appended.
    def shipped_lines() -> list[str]:
        lines = http.get(f"{running.url('logship')}/shipped").json()["lines"]
        return [line for line in lines if order["id"] in line]

    assert eventually(shipped_lines, message="the sidecar never saw audit's log line")


def test_request_faults_are_seen_from_outside_and_cleared(
    running: Deployment, runtime: LocalRuntime, http: httpx.Client
) -> None:
    gateway = running.url("gateway")
    faults.inject(running, "orders", "latency", latency_ms=400, route="/orders")
    started = time.monotonic()
    assert http.post(f"{gateway}/orders", json=ORDER).status_code == 201
    assert time.monotonic() - started >= 0.4
    faults.inject(running, "audit", "error_rate", rate=1.0, status=500)
    assert http.get(f"{gateway}/audit").status_code == 500
    faults.inject(running, "orders", "fail_next", count=2, route="/orders/")
    assert [http.get(f"{gateway}/orders/nope").status_code for _ in range(3)] == [503, 503, 404]
    shown = {s.service: s.faults for s in runtime.status(running)}
    assert shown["orders"] == ("latency 400 ms on /orders", "fail_next 2 (503) on /orders/")
    assert shown["audit"] == ("error_rate 100% (500)",)

    undone = faults.clear(running)
    assert len(undone) == 3
    assert fault_record.active(running) == []
    for service in ("orders", "audit"):  # gone from the kits too, not only from the record
        assert http.get(f"{running.url(service)}/_admin/faults").json()["faults"] == []
    assert http.get(f"{gateway}/audit").status_code == 200
    assert http.post(f"{gateway}/orders", json=ORDER).status_code == 201


def test_restart_keeps_the_url_and_ends_kit_faults(
    running: Deployment, runtime: LocalRuntime, http: httpx.Client
) -> None:
    url = running.url("orders")
    before = procs.load_records(running.run_dir)["orders"]
    faults.inject(running, "orders", "error_rate", rate=1.0)
    assert faults.inject(running, "orders", "restart") is None
    after = procs.load_records(running.run_dir)["orders"]
    assert after.pid != before.pid
    assert not before.alive
    assert load_run(running.run_dir).url("orders") == url  # type: ignore[union-attr]
    assert http.get(f"{url}/ready").status_code == 200
    assert http.post(f"{running.url('gateway')}/orders", json=ORDER).status_code == 201
    assert fault_record.active(running) == []


def test_pause_freezes_the_service_and_resume_thaws_it(
    running: Deployment, runtime: LocalRuntime
) -> None:
    audit = running.url("audit")
    faults.inject(running, "audit", "pause")
    assert states(runtime, running)["audit"] is ServiceState.PAUSED
    with pytest.raises(httpx.TimeoutException):
        httpx.get(f"{audit}/health", timeout=0.5)
    faults.clear(running)
    assert httpx.get(f"{audit}/health", timeout=5).status_code == 200
    assert states(runtime, running)["audit"] is ServiceState.READY


def test_kill_crashes_the_service_and_clear_brings_it_back(
    running: Deployment, runtime: LocalRuntime, http: httpx.Client
) -> None:
    faults.inject(running, "orders", "kill")
    assert states(runtime, running)["orders"] is ServiceState.CRASHED
    assert http.post(f"{running.url('gateway')}/orders", json=ORDER).status_code == 502
    assert {s.service: s.faults for s in runtime.status(running)}["orders"] == ("killed",)
    faults.clear(running)
    assert states(runtime, running)["orders"] is ServiceState.READY
    assert http.post(f"{running.url('gateway')}/orders", json=ORDER).status_code == 201


def test_partition_cuts_calls_to_the_service_until_healed(
    running: Deployment, http: httpx.Client
) -> None:
    gateway = running.url("gateway")
    faults.inject(running, "audit", "partition")
    assert http.get(f"{gateway}/audit").status_code == 503
    assert http.get(f"{running.url('audit')}/health").status_code == 200  # the kit still answers
    faults.clear(running)
    assert http.get(f"{gateway}/audit").status_code == 200


def test_a_crash_point_ends_the_service_and_clear_brings_it_back(
    running: Deployment, runtime: LocalRuntime, http: httpx.Client
) -> None:
    assert faults.crash_points(running, "orders") == ["published"]
    faults.inject(running, "orders", "crash", point="published")
    assert {s.service: s.faults for s in runtime.status(running)}["orders"] == (
        "crash at published",
    )
    assert http.post(f"{running.url('gateway')}/orders", json=ORDER).status_code == 502
    eventually(lambda: states(runtime, running)["orders"] is ServiceState.CRASHED,
               message="orders did not die at its crash point")  # fmt: skip
    faults.clear(running)
    assert states(runtime, running)["orders"] is ServiceState.READY
    assert http.post(f"{running.url('gateway')}/orders", json=ORDER).status_code == 201
    assert http.get(f"{running.url('orders')}/_admin/crash").json()["armed"] == []


def test_crash_at_from_a_check_holds_then_is_undone_by_a_restart(
    running: Deployment, runtime: LocalRuntime, http: httpx.Client
) -> None:
    check_faults = Faults(running)
    check_faults.crash_at("orders", "published", hold=True)
    with pytest.raises(httpx.ReadTimeout):
        http.post(f"{running.url('orders')}/orders", json=ORDER, timeout=1.0)
    assert http.get(f"{running.url('orders')}/_admin/crash").json()["held"] == 1
    check_faults.undo()  # parked work ends only with the process: undo restarts it
    assert states(runtime, running)["orders"] is ServiceState.READY
    assert http.get(f"{running.url('orders')}/_admin/crash").json()["held"] == 0
    assert fault_record.active(running) == []
    with pytest.raises(WorkbenchError, match="service 'audit' declares no crash points"):
        Faults(running).crash_at("audit", "anything")
    with pytest.raises(WorkbenchError) as caught:
        Faults(running).crash_at("orders", "shipped")
    assert caught.value.message == "service 'orders' has no crash point 'shipped'"
    assert "its crash points: published" in str(caught.value.hint)


def test_crash_from_the_cli_names_the_points_and_status_shows_it(
    running: Deployment, module_state: Path
) -> None:
    env = {**os.environ, "WORKBENCH_STATE_DIR": str(module_state), "COLUMNS": "200"}

    def wb(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True,
                              text=True, env=env, timeout=60, check=False)  # fmt: skip

    missing = wb("fault", "shop", "orders", "crash")
    assert missing.returncode != 0
    assert "a crash needs a point of 'orders'" in missing.stderr
    assert "its crash points: published (e.g. --at published)" in missing.stderr
    assert "Traceback" not in missing.stderr
    armed = wb("fault", "shop", "orders", "crash", "--at", "published", "--key", "x1", "--hold")
    assert armed.returncode == 0, armed.stderr
    assert "orders: hold at published (key x1)" in armed.stdout
    assert wb("fault", "list", "shop").stdout.split() == ["orders", "hold", "at", "published",
                                                          "(key", "x1)"]  # fmt: skip
    assert wb("fault", "clear", "shop").stdout.startswith("cleared 1 fault(s)")
    assert httpx.get(f"{running.url('orders')}/_admin/crash").json()["armed"] == []


def test_reset_drops_only_the_method_it_names(running: Deployment, http: httpx.Client) -> None:
    orders = running.url("orders")
    fault = faults.inject(running, "orders", "reset", method="post", route="/orders")
    assert fault is not None and fault.describe() == "reset on POST /orders"
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.post(f"{orders}/orders", json=ORDER)
    assert http.get(f"{orders}/orders/none").status_code == 404  # a GET is not reset
    assert http.post(f"{running.url('gateway')}/orders", json=ORDER).status_code == 502
    faults.clear(running)
    assert http.post(f"{orders}/orders", json=ORDER).status_code == 201


def test_status_logs_and_faults_from_another_shell(running: Deployment, module_state: Path) -> None:
    env = {**os.environ, "WORKBENCH_STATE_DIR": str(module_state), "COLUMNS": "200"}

    def wb(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True,
                              text=True, env=env, timeout=60, check=False)  # fmt: skip

    fault = wb("fault", "shop", "orders", "latency", "--ms", "250")
    assert fault.returncode == 0, fault.stderr
    status = wb("lab", "status", "shop", "--json")
    assert status.returncode == 0, status.stderr
    import json

    services = {s["service"]: s for s in json.loads(status.stdout)["runs"][0]["services"]}
    assert services["orders"]["faults"] == ["latency 250 ms"]
    assert services["gateway"]["state"] == "ready"
    assert wb("fault", "clear", "shop").stdout.startswith("cleared 1 fault(s)")
    logs = wb("lab", "logs", "shop", "orders", "--tail", "5")
    assert logs.returncode == 0
    assert len(logs.stdout.splitlines()) == 5
    everything = wb("lab", "logs", "shop", "--tail", "1")
    assert {line.split("|")[0].strip() for line in everything.stdout.splitlines()} == set(
        running.endpoints
    )


def test_stop_leaves_no_process_port_or_folder(running: Deployment, runtime: LocalRuntime) -> None:
    pids = pids_of_run(running)
    assert len(pids) >= 5 + 4  # the broker, and a reloader + worker per python service
    started = time.monotonic()
    runtime.down(running)
    elapsed = time.monotonic() - started
    assert pids_of_run(running) == []
    assert not any(procs.state_of(pid) not in (None, "Z") for pid in pids)
    assert not any(is_listening(port) for port in ports_of(running))
    assert not running.run_dir.exists()
    assert elapsed < 3.0  # the benchmark measures the real figure; this only catches a hang


# -- runs of their own ----------------------------------------------------------------------


@pytest.fixture
def broken_shop(tmp_path: Path) -> Lab:
    """A copy of the fixture lab whose sidecar raises when its code is imported."""
    copy = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", copy, ignore=shutil.ignore_patterns("__pycache__"))
    app = copy / "services" / "logship" / "app.py"
    app.write_text(app.read_text() + '\nraise RuntimeError("logship cannot read its config")\n')
    return load_lab(copy)


def test_a_service_that_crashes_is_reported_with_its_log_and_the_others_run(
    broken_shop: Lab, runtime: LocalRuntime, http: httpx.Client
) -> None:
    started = time.monotonic()
    with pytest.raises(StartFailedError) as caught:
        runtime.up(broken_shop, broken_shop.solution_dir, deadline=60)
    assert time.monotonic() - started < 30  # detected as a crash, not by the deadline
    error = caught.value
    deployment = load_run(run_dir_of(error.run_id))
    assert deployment is not None
    try:
        assert error.service == "logship"
        assert set(error.failed) == {"logship"}
        assert "crashed while starting" in error.message
        assert any("logship cannot read its config" in line for line in error.log_tail)
        assert "workbench lab restart shop logship" in (error.hint or "")
        assert states(runtime, deployment) == {
            "audit": ServiceState.READY, "broker": ServiceState.READY,
            "gateway": ServiceState.READY, "orders": ServiceState.READY,
            "logship": ServiceState.CRASHED,
        }  # fmt: skip
        assert http.post(f"{deployment.url('gateway')}/orders", json=ORDER).status_code == 201
        # The fix is picked up by the reloader on save; a restart (same URL) works as well.
        app = broken_shop.path / "services" / "logship" / "app.py"
        app.write_text(app.read_text().replace('raise RuntimeError("logship', "# fixed: ("))
        eventually(
            lambda: states(runtime, deployment)["logship"] is ServiceState.READY,
            within=20,
            message="logship did not reload after its code was fixed",
        )
        runtime.restart(deployment, "logship")
        assert http.get(f"{deployment.url('logship')}/ready").status_code == 200
    finally:
        runtime.down(deployment)
    assert pids_of_run(deployment) == []


def app_worker(deployment: Deployment, service: str) -> int | None:
    """The pid of the process running the service's code (uvicorn's reload worker)."""
    record = procs.load_records(deployment.run_dir)[service]
    workers = [
        pid
        for pid in procs.group_members(record.pid)
        if pid != record.pid and "spawn_main" in " ".join(procs.cmdline_of(pid))
    ]
    return workers[0] if len(workers) == 1 else None


def test_saving_a_learner_file_restarts_only_the_services_that_use_the_workspace(
    shop: Lab, runtime: LocalRuntime, http: httpx.Client, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(shop.solution_dir, workspace)
    deployment = runtime.up(shop, workspace, deadline=60)
    try:
        python = [s.name for s in shop.services if s.kind is ServiceKind.PYTHON]
        assert [s for s in python if shop.service(s).workspace] == ["orders"]
        before = {name: app_worker(deployment, name) for name in python}
        assert all(before.values()), before
        pricing = workspace / "pricing.py"
        pricing.write_text(pricing.read_text() + "\n# saved again by the learner\n")
        eventually(
            lambda: app_worker(deployment, "orders") not in (None, before["orders"]),
            within=20,
            message="orders did not reload after its learner file was saved",
        )
        eventually(lambda: http.get(f"{deployment.url('orders')}/ready").status_code == 200)
        # Every reloader saw the same save at the same moment; give a stray one time to act.
        time.sleep(1.0)
        others = [name for name in python if name != "orders"]
        after = {name: app_worker(deployment, name) for name in others}
        assert after == {name: before[name] for name in others}, "a service without it restarted"
        assert http.post(f"{deployment.url('gateway')}/orders", json=ORDER).status_code == 201
    finally:
        runtime.down(deployment)
    assert pids_of_run(deployment) == []


@pytest.fixture
def cli_env(isolated_state: Path) -> Iterator[dict[str, str]]:
    """The environment of a CLI run in this test's state folder; whatever it left is removed
    afterwards, even when the test failed half-way."""
    yield {**os.environ, "WORKBENCH_LABS_PATH": str(FIXTURE_LABS)}
    gc_local()


def test_gc_cleans_up_after_the_cli_is_killed_mid_start(
    cli_env: dict[str, str], isolated_state: Path
) -> None:
    state, env = isolated_state, cli_env
    cli = subprocess.Popen(
        [sys.executable, "-m", "workbench", "lab", "start", "shop", "--runtime", "local",
         "--workspace", str(FIXTURE_LABS / "shop" / "solution")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    runs = state / "runs"

    # Mid-start: every process is spawned (and recorded) but the lab is not ready yet.
    def spawned_run() -> Path | None:
        return next(
            (d for d in runs.glob("shop-*") if len(list((d / "procs").glob("*.json"))) == 5),
            None,
        )

    run_dir = eventually(spawned_run, within=30, message="the CLI never spawned the processes")
    assert not (run_dir / "gates" / "gateway").exists(), "start was already finished"
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    run_id = run_dir.name
    orphans = procs.pids_with_env("WORKBENCH_RUN_ID", run_id)
    assert orphans, "the killed CLI left no processes: nothing to prove"

    gc = subprocess.run([sys.executable, "-m", "workbench", "gc"], env=env, capture_output=True,
                        text=True, timeout=60, check=False)  # fmt: skip
    assert gc.returncode == 0, gc.stderr
    assert "removed 1 run folder(s)" in gc.stdout
    assert procs.pids_with_env("WORKBENCH_RUN_ID", run_id) == []
    assert not any(procs.state_of(pid) not in (None, "Z") for pid in orphans)
    assert list(runs.iterdir()) == []


def test_ctrl_c_during_start_leaves_nothing_behind(
    cli_env: dict[str, str], isolated_state: Path
) -> None:
    state, env = isolated_state, cli_env
    cli = subprocess.Popen(
        [sys.executable, "-m", "workbench", "lab", "start", "shop", "--runtime", "local",
         "--workspace", str(FIXTURE_LABS / "shop" / "solution")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    runs = state / "runs"

    def spawned_run() -> Path | None:
        return next((d for d in runs.glob("shop-*") if (d / "procs" / "gateway.json").exists()),
                    None)  # fmt: skip

    run_dir = eventually(spawned_run, within=30, message="the CLI never spawned the processes")
    run_id = run_dir.name
    cli.send_signal(signal.SIGINT)
    _, stderr = cli.communicate(timeout=30)
    assert cli.returncode == 130
    assert stderr.strip() in ("interrupted", "aborted")  # click turns Ctrl-C into an abort
    assert "Traceback" not in stderr
    assert procs.pids_with_env("WORKBENCH_RUN_ID", run_id) == []
    assert not run_dir.exists()
