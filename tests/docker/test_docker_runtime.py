"""The Docker runtime against a real engine, with the fixture shop lab (workspace: its solution).

One run of the lab is shared by most tests (module scope: a start costs several seconds); tests
that inject faults undo them before they end. Separate runs: a second run at the same time, a lab
whose service fails to import, and a CLI killed with SIGKILL half-way through a start. Everything a
test creates carries its own state folder's label, and clean-up goes by run id or by that label,
never by `gc --all-states`: other people's runs on this engine stay untouched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from support import FIXTURE_LABS, REPO, docker_required

from workbench.dockerengine import labels
from workbench.errors import StartFailedError, WorkbenchError
from workbench.lab import load_lab
from workbench.lab.model import Lab
from workbench.runtime.base import Deployment, ServiceState
from workbench.runtime.docker import engine_available, gc_run

pytestmark = pytest.mark.docker

T = TypeVar("T")
SHOP = FIXTURE_LABS / "shop"
ORDER = {"items": [{"sku": "tea", "quantity": 2, "unit_cents": 450}]}


def eventually(predicate: Callable[[], T], within: float = 20.0, message: str = "") -> T:
    """Poll until `predicate()` is truthy (exceptions count as not yet); fail after `within` s."""
    give_up = time.monotonic() + within
    last: object = None
    while time.monotonic() < give_up:
        try:
            value = predicate()
        except Exception as exc:  # a connection refused while a service restarts, say
            last = exc
        else:
            if value:
                return value
            last = value
        time.sleep(0.1)
    pytest.fail(f"{message or 'condition never held'} within {within} s (last: {last!r})")


@pytest.fixture(scope="module")
def engine() -> Any:
    if not engine_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but no Docker engine answers")
        pytest.skip("no Docker engine answers")
    from workbench.dockerengine import connect

    client = connect()
    yield client
    client.close()


@pytest.fixture(scope="module")
def module_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One state folder for the module's shared runs (tests each get their own otherwise)."""
    state = tmp_path_factory.mktemp("docker-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(state))
        yield state


def readable_copy(source: Path, target: Path) -> Path:
    """A copy the container user (uid 10001) can read: pytest's temp folders are 0700."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    return target


@pytest.fixture(scope="module")
def shop() -> Lab:
    return load_lab(SHOP)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return readable_copy(SHOP / "solution", tmp_path_factory.mktemp("ws") / "shop")


@pytest.fixture(scope="module")
def runtime(engine: Any) -> Any:
    from workbench.runtime.docker import DockerRuntime

    return DockerRuntime(engine)


@pytest.fixture(scope="module")
def run(
    runtime: Any, shop: Lab, workspace: Path, module_state: Path, engine: Any
) -> Iterator[Deployment]:
    deployment = runtime.up(shop, workspace, deadline=120)
    yield deployment
    runtime.down(deployment)
    assert not engine.containers.list(
        all=True, filters=labels.run_filter(deployment.run_id), ignore_removed=True
    )


def containers_of(engine: Any, run_id: str) -> dict[str, Any]:
    """Every container of a run by service name (`edge` for the edge)."""
    found = {}
    for container in engine.containers.list(
        all=True, filters=labels.run_filter(run_id), ignore_removed=True
    ):
        role = container.labels[labels.ROLE]
        found[container.labels[labels.SERVICE] if role == "service" else role] = container
    return found


def state_of(runtime: Any, run: Deployment, service: str) -> ServiceState:
    return {s.service: s.state for s in runtime.status(run)}[service]


def post_order(run: Deployment, timeout: float = 10.0) -> httpx.Response:
    return httpx.post(f"{run.url('gateway')}/orders", json=ORDER, timeout=timeout)


def workbench_cli(
    *args: str, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """The real `workbench` command in a subprocess (what a learner types)."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False,
    )  # fmt: skip


def in_container(container: Any, code: str) -> tuple[int, str]:
    """Run python code inside a running service container (as its user)."""
    # A name that does not resolve fails after one 1 s try, not glibc's 2 x 5 s.
    code_exit, output = container.exec_run(
        ["python", "-c", code], environment={"RES_OPTIONS": "timeout:1 attempts:1"}
    )
    return code_exit, output.decode("utf-8", "replace")


# -- the running lab -------------------------------------------------------------------------


def test_calls_go_through_the_gateway_and_events_through_nats(run: Deployment) -> None:
    created = post_order(run)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["total_cents"] == 900
    records = eventually(
        lambda: [
            r
            for r in httpx.get(f"{run.url('gateway')}/audit", timeout=5).json()["records"]
            if r["order_id"] == order["id"]
        ],
        message="audit never recorded the order.created event",
    )
    assert records[0]["total_cents"] == 900
    # The broker is reachable from the host too (through the edge), for checks that listen.
    assert run.nats_url is not None
    host, port = run.nats_url.removeprefix("nats://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        assert sock.recv(4) == b"INFO"


def test_every_container_is_hardened_and_only_the_edge_publishes(
    run: Deployment, engine: Any
) -> None:
    found = containers_of(engine, run.run_id)
    assert set(found) == {"broker", "orders", "audit", "logship", "gateway", "edge"}
    for name, container in found.items():
        container.reload()
        config, host = container.attrs["Config"], container.attrs["HostConfig"]
        assert config["User"] == "10001:10001", name
        assert host["ReadonlyRootfs"] is True, name
        assert host["CapDrop"] == ["ALL"], name
        assert not host["CapAdd"], name
        assert "no-new-privileges" in host["SecurityOpt"], name
        assert host["Memory"] > 0, name
        assert host["PidsLimit"] > 0, name
        assert host["Privileged"] is False, name
        assert "/tmp" in host["Tmpfs"], name
        bindings = [b for ports in (host["PortBindings"] or {}).values() for b in ports or []]
        if name == "edge":
            assert bindings, "the edge publishes the services' ports"
        else:
            assert not bindings, f"{name} publishes ports itself"
        for binding in bindings:
            assert binding["HostIp"] == "127.0.0.1", f"{name} publishes on {binding['HostIp']}"
        for published in (container.attrs["NetworkSettings"]["Ports"] or {}).values():
            for binding in published or []:
                assert binding["HostIp"] == "127.0.0.1"
    # The processes really run as 10001, and the root file system refuses writes.
    code, out = in_container(
        found["orders"],
        "import os\ntry:\n open('/srv/service/x','w')\nexcept OSError as e: print('ro', e.errno)\n"
        "print(os.getuid(), os.getgid())",
    )
    assert code == 0, out
    assert "ro 30" in out, out  # EROFS
    assert "10001 10001" in out
    for name in ("broker", "edge", "gateway"):
        top = found[name].top(ps_args="-o pid,uid")
        column = top["Titles"].index("UID")
        uids = {row[column] for row in top["Processes"]}
        assert uids == {"10001"}, f"{name} runs processes as {uids}"


def test_the_lab_network_is_internal_without_egress(run: Deployment, engine: Any) -> None:
    network = engine.networks.get(run.extra["network"])
    assert network.attrs["Internal"] is True
    _code, out = in_container(
        containers_of(engine, run.run_id)["orders"],
        "import socket\ntry:\n socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        " print('reached')\nexcept OSError as e: print('blocked', e)",
    )
    assert "blocked" in out, out


def test_services_find_each_other_by_name_and_get_the_conventional_env(
    run: Deployment, engine: Any
) -> None:
    orders = containers_of(engine, run.run_id)["orders"]
    env = dict(item.split("=", 1) for item in orders.attrs["Config"]["Env"])
    assert env["AUDIT_URL"] == "http://audit:8000"
    assert env["LOGSHIP_URL"] == "http://audit:8001"
    assert env["NATS_URL"] == "nats://broker:4222"
    assert env["WORKSPACE"] == "/workspace"
    assert env["DATA_DIR"] == "/data"
    assert env["WORKBENCH_RUN_ID"] == run.run_id
    _code, out = in_container(
        orders,
        "import httpx\nprint(httpx.get('http://audit:8000/health').status_code, "
        "httpx.get('http://audit:8001/health').status_code)",
    )
    assert out.split()[-2:] == ["200", "200"], out


def test_sidecar_shares_the_network_namespace_and_the_volume(run: Deployment, engine: Any) -> None:
    found = containers_of(engine, run.run_id)
    assert found["logship"].attrs["HostConfig"]["NetworkMode"] == f"container:{found['audit'].id}"
    order = post_order(run).json()
    shipped = eventually(
        lambda: [
            line
            for line in httpx.get(f"{run.url('logship')}/shipped", timeout=5).json()["lines"]
            if order["id"] in line
        ],
        message="logship never shipped audit's log line for the order",
    )
    assert "total_cents=900" in shipped[0]
    mounts = {m["Destination"]: m for m in found["logship"].attrs["Mounts"]}
    assert mounts["/var/log/audit"]["RW"] is False
    # Only orders loads learner files: the others get no workspace, so a save leaves them be.
    assert "/workspace" not in mounts
    orders = {m["Destination"]: m for m in found["orders"].attrs["Mounts"]}
    assert orders["/workspace"]["RW"] is False


def test_status_and_logs(run: Deployment, runtime: Any) -> None:
    statuses = {s.service: s for s in runtime.status(run)}
    assert {name: s.state for name, s in statuses.items()} == dict.fromkeys(
        ["broker", "orders", "audit", "logship", "gateway"], ServiceState.READY
    )
    assert statuses["logship"].detail.startswith("sidecar of audit")
    history = list(runtime.logs(run, "orders", tail=50))
    assert history
    assert all(line.service == "orders" for line in history)
    # Following: a request made now shows up as a new line.
    stream = runtime.logs(run, "gateway", follow=True, tail=0)
    seen: list[str] = []
    marker = f"/orders/{secrets.token_hex(4)}"

    def read() -> None:
        for line in stream:
            seen.append(line.text)
            if marker in line.text:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    eventually(
        lambda: (
            httpx.get(run.url("gateway") + marker, timeout=5) and any(marker in t for t in seen)
        ),
        message="the followed log never showed the request",
    )
    stream.close()


def test_learner_code_reloads_in_the_container(run: Deployment, workspace: Path) -> None:
    pricing = workspace / "pricing.py"
    original = pricing.read_text()
    try:
        pricing.write_text(original.replace("return total", "return total * 2"))
        eventually(
            lambda: post_order(run).json().get("total_cents") == 1800,
            within=30,
            message="orders never picked up the edited pricing.py",
        )
    finally:
        pricing.write_text(original)
    eventually(lambda: post_order(run).json().get("total_cents") == 900, within=30)


# -- faults, each observed from outside ------------------------------------------------------


def test_kill_then_restart_on_the_same_url(run: Deployment, runtime: Any) -> None:
    url = run.url("orders")
    runtime.kill(run, "orders")
    try:
        assert state_of(runtime, run, "orders") is ServiceState.CRASHED
        answer = post_order(run)
        assert answer.status_code in (502, 504), answer.text
    finally:
        runtime.restart(run, "orders")
    assert state_of(runtime, run, "orders") is ServiceState.READY
    assert httpx.get(f"{url}/health", timeout=5).status_code == 200
    eventually(lambda: post_order(run).status_code == 201)


def test_pause_freezes_and_resume_thaws(run: Deployment, runtime: Any, engine: Any) -> None:
    runtime.pause(run, "orders")
    try:
        assert containers_of(engine, run.run_id)["orders"].status == "paused"
        assert state_of(runtime, run, "orders") is ServiceState.PAUSED
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{run.url('orders')}/health", timeout=1.0)
    finally:
        runtime.resume(run, "orders")
    eventually(lambda: httpx.get(f"{run.url('orders')}/health", timeout=2).status_code == 200)


def test_request_level_faults_reach_the_kit_through_the_edge(run: Deployment) -> None:
    admin = f"{run.url('orders')}/_admin/faults"
    try:
        fault = {"kind": "fail_next", "route": "/orders", "count": 1, "status": 503}
        assert httpx.post(admin, json=fault, timeout=5).status_code < 300
        assert post_order(run).status_code == 503
        assert post_order(run).status_code == 201
        latency = {"kind": "latency", "route": "/orders", "latency_ms": 400}
        assert httpx.post(admin, json=latency, timeout=5).status_code < 300
        began = time.monotonic()
        assert post_order(run).status_code == 201
        assert time.monotonic() - began >= 0.4
    finally:
        httpx.delete(admin, timeout=5)


def test_a_crash_point_exits_the_container_and_clear_starts_it_again(
    run: Deployment, runtime: Any
) -> None:
    from workbench.runtime import faults

    assert faults.crash_points(run, "orders") == ["published"]
    faults.inject(run, "orders", "crash", point="published")
    try:
        assert post_order(run).status_code in (502, 504)
        eventually(lambda: state_of(runtime, run, "orders") is ServiceState.CRASHED,
                   message="the container did not exit at its crash point")  # fmt: skip
    finally:
        faults.clear(run)
    assert state_of(runtime, run, "orders") is ServiceState.READY
    eventually(lambda: post_order(run).status_code == 201)
    assert httpx.get(f"{run.url('orders')}/_admin/crash", timeout=5).json()["armed"] == []


def test_reset_reaches_the_caller_through_the_edge_as_a_dropped_connection(
    run: Deployment,
) -> None:
    from workbench.runtime import faults

    faults.inject(run, "orders", "reset", method="POST", route="/orders")
    try:
        # The edge forwards TCP: the reset arrives as a connection closed without an answer.
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            httpx.post(f"{run.url('orders')}/orders", json=ORDER, timeout=5)
        assert httpx.get(f"{run.url('orders')}/orders/none", timeout=5).status_code == 404
        # Between containers (the gateway calls orders directly) it is a transport error too.
        assert post_order(run).status_code in (502, 504)
    finally:
        faults.clear(run)
    assert post_order(run).status_code == 201


def test_restart_keeps_data_and_brings_the_sidecar_back(run: Deployment, runtime: Any) -> None:
    order = post_order(run).json()
    audit = f"{run.url('gateway')}/audit"
    eventually(lambda: order["id"] in json.dumps(httpx.get(audit, timeout=5).json()))
    before = httpx.get(audit, timeout=5).json()["count"]
    runtime.restart(run, "audit")
    assert state_of(runtime, run, "audit") is ServiceState.READY
    assert state_of(runtime, run, "logship") is ServiceState.READY
    # DATA_DIR is a volume: the records survive the restart.
    assert httpx.get(audit, timeout=5).json()["count"] >= before
    assert order["id"] in json.dumps(httpx.get(audit, timeout=5).json())
    # The sidecar is back in audit's (new) network namespace and still reads the shared volume.
    lines = httpx.get(f"{run.url('logship')}/shipped", timeout=5).json()["lines"]
    assert any(order["id"] in line for line in lines)


def test_a_container_removed_by_hand_makes_check_an_error_and_lab_restart_makes_it_again(
    run: Deployment, runtime: Any, engine: Any, workspace: Path, module_state: Path
) -> None:
    from workbench.checkrun.results import Outcome
    from workbench.checkrun.runner import run_checks

    before = containers_of(engine, run.run_id)
    before["audit"].remove(force=True)  # `docker rm -f`: its sidecar lost its network namespace
    assert state_of(runtime, run, "audit") is ServiceState.STOPPED
    shop = load_lab(SHOP)
    checked = run_checks(shop, workspace, deployment=run, exercises=["pricing"], precheck=False)
    assert not checked.passed
    assert checked.results, checked.error
    for result in checked.results:
        assert result.outcome is Outcome.ERROR, result
        assert result.message.startswith(
            "audit is not running — `workbench lab restart shop audit`"
        ), result.message

    env = {**os.environ, "WORKBENCH_STATE_DIR": str(module_state)}
    restarted = workbench_cli("lab", "restart", "shop", "audit", env=env)
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    after = containers_of(engine, run.run_id)
    assert after["audit"].id != before["audit"].id
    assert after["logship"].id != before["logship"].id  # made again in the new namespace
    assert state_of(runtime, run, "audit") is ServiceState.READY
    assert state_of(runtime, run, "logship") is ServiceState.READY
    assert after["audit"].attrs["HostConfig"]["ReadonlyRootfs"] is True  # the same hardening
    eventually(lambda: httpx.get(f"{run.url('gateway')}/audit", timeout=10).status_code == 200)
    order = post_order(run).json()
    eventually(lambda: order["id"] in json.dumps(httpx.get(f"{run.url('logship')}/shipped",
                                                            timeout=5).json()))  # fmt: skip
    again = run_checks(shop, workspace, deployment=run, exercises=["pricing"], precheck=False)
    assert again.passed, [(r.name, r.message) for r in again.results if not r.ok]


def test_partition_cuts_a_service_off_from_its_peers_only(
    run: Deployment, runtime: Any, engine: Any
) -> None:
    runtime.partition(run, "audit")
    try:
        found = containers_of(engine, run.run_id)
        networks = found["audit"].attrs["NetworkSettings"]["Networks"]
        assert run.extra["network"] not in networks
        answer = httpx.get(f"{run.url('gateway')}/audit", timeout=30)
        assert answer.status_code in (502, 504), answer.text
        # Its peers cannot reach it; the host still can (health, admin, logs stay observable).
        _code, out = in_container(
            found["orders"],
            "import socket\ntry:\n socket.create_connection(('audit', 8000), timeout=2)\n"
            " print('reached')\nexcept OSError as e: print('cut', e)",
        )
        assert "cut" in out, out
        assert httpx.get(f"{run.url('audit')}/health", timeout=5).status_code == 200
        status = {s.service: s for s in runtime.status(run)}["audit"]
        assert "partitioned" in status.detail
        with pytest.raises(WorkbenchError, match="sidecar"):
            runtime.partition(run, "logship")
    finally:
        runtime.heal(run, "audit")
    eventually(
        lambda: httpx.get(f"{run.url('gateway')}/audit", timeout=10).status_code == 200,
        message="gateway never reached audit again after heal",
    )


def test_faults_through_the_cli(run: Deployment, module_state: Path) -> None:
    env = {**os.environ, "WORKBENCH_STATE_DIR": str(module_state)}
    done = workbench_cli("fault", "shop", "audit", "partition", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        listed = workbench_cli("fault", "list", "shop", env=env)
        assert "partition" in listed.stdout
    finally:
        cleared = workbench_cli("fault", "clear", "shop", env=env)
    assert cleared.returncode == 0, cleared.stdout + cleared.stderr
    eventually(lambda: httpx.get(f"{run.url('gateway')}/audit", timeout=10).status_code == 200)


# -- separate runs ---------------------------------------------------------------------------


def test_two_runs_at_once_do_not_collide(
    run: Deployment, runtime: Any, shop: Lab, workspace: Path, engine: Any
) -> None:
    second = runtime.up(shop, workspace, deadline=120)
    try:
        assert second.run_id != run.run_id
        assert second.extra["network"] != run.extra["network"]
        assert not set(second.extra["ports"].values()) & set(run.extra["ports"].values())
        before = httpx.get(f"{run.url('gateway')}/audit", timeout=5).json()["count"]
        order = httpx.post(f"{second.url('gateway')}/orders", json=ORDER, timeout=10).json()
        eventually(
            lambda: (
                order["id"]
                in json.dumps(httpx.get(f"{second.url('gateway')}/audit", timeout=5).json())
            )
        )
        # Each run has its own broker and audit: the first run never saw that order.
        assert httpx.get(f"{run.url('gateway')}/audit", timeout=5).json()["count"] == before
    finally:
        began = time.monotonic()
        runtime.down(second)
        took = time.monotonic() - began
    assert took < 6, f"stop took {took:.1f} s"
    assert not containers_of(engine, second.run_id)
    assert not engine.networks.list(filters=labels.run_filter(second.run_id))
    assert not engine.volumes.list(filters=labels.run_filter(second.run_id))
    assert len(containers_of(engine, run.run_id)) == 6, "the first run lost containers"


@pytest.fixture
def broken_lab(tmp_path: Path, engine: Any) -> Iterator[Lab]:
    """A copy of the shop (own id) whose orders service fails to import."""
    lab_id = f"shopbad{secrets.token_hex(2)}"
    folder = readable_copy(SHOP, tmp_path / lab_id)
    yaml = folder / "lab.yaml"
    yaml.write_text(re.sub(r"(?m)^id: shop$", f"id: {lab_id}", yaml.read_text()))
    app = folder / "services" / "orders" / "app.py"
    source = app.read_text()
    anchor = "from workbench.servicekit import ServiceKit\n"
    assert anchor in source
    app.write_text(
        source.replace(anchor, anchor + "import no_such_module_in_orders  # the mistake\n")
    )
    yield load_lab(folder)
    from workbench.bakery.images import prune_images

    prune_images(engine, lab_id)


def test_a_service_that_fails_to_import_is_reported_while_the_others_run(
    runtime: Any, broken_lab: Lab, engine: Any
) -> None:
    workspace = readable_copy(SHOP / "solution", broken_lab.path / "ws")
    began = time.monotonic()
    with pytest.raises(StartFailedError) as caught:
        runtime.up(broken_lab, workspace, deadline=90)
    error = caught.value
    try:
        assert time.monotonic() - began < 60, "the crash was only noticed at the deadline"
        assert error.service == "orders"
        assert "no_such_module_in_orders" in "\n".join(error.log_tail)
        assert "no_such_module_in_orders" in str(error)
        deployment = Deployment.load(
            Path(os.environ["WORKBENCH_STATE_DIR"]) / "runs" / error.run_id
        )
        statuses = {s.service: s for s in runtime.status(deployment)}
        states = {name: s.state for name, s in statuses.items()}
        assert states["orders"] is ServiceState.CRASHED, statuses["orders"]
        for name in ("broker", "audit", "logship"):
            assert states[name] is ServiceState.READY, states
        assert containers_of(engine, error.run_id)["gateway"].status == "running"
    finally:
        gc_run(error.run_id)
    assert not containers_of(engine, error.run_id)


def test_sigkill_of_the_cli_mid_start_then_gc_leaves_nothing(
    tmp_path: Path, engine: Any, workspace: Path
) -> None:
    state = tmp_path / "killed-state"
    env = {
        **os.environ,
        "WORKBENCH_STATE_DIR": str(state),
        "WORKBENCH_LABS_PATH": str(FIXTURE_LABS),
        "WORKBENCH_HOME": str(tmp_path / "home"),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(state))
        ours = labels.state_filter()

    def leftovers() -> list[Any]:
        return [
            *engine.containers.list(all=True, filters=ours, ignore_removed=True),
            *engine.networks.list(filters=ours),
            *engine.volumes.list(filters=ours),
        ]

    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "lab", "start", "shop", "--runtime", "docker",
         "--workspace", str(workspace)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        # Kill it once the engine holds some of its containers, before every service is up.
        eventually(
            lambda: len(engine.containers.list(all=True, filters=ours, ignore_removed=True)) >= 3,
            within=120,
            message="the CLI never created containers",
        )
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert leftovers(), "SIGKILL left nothing: the test proves nothing"
    done = workbench_cli("gc", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not leftovers()
    assert not list(state.glob("runs/*")), "gc left run folders"


def test_cli_start_status_stop_on_docker(tmp_path: Path, workspace: Path, engine: Any) -> None:
    env = {
        **os.environ,
        "WORKBENCH_STATE_DIR": str(tmp_path / "state"),
        "WORKBENCH_LABS_PATH": str(FIXTURE_LABS),
        "WORKBENCH_HOME": str(tmp_path / "home"),
    }

    def wb(*args: str) -> subprocess.CompletedProcess[str]:
        return workbench_cli(*args, env=env)

    started = wb("lab", "start", "shop", "--runtime", "docker", "--workspace", str(workspace))
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert "docker" in started.stdout
        status = wb("lab", "status", "shop")
        assert status.stdout.count("ready") >= 5, status.stdout
    finally:
        stopped = wb("lab", "stop", "shop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(tmp_path / "state"))
        ours = labels.state_filter()
    assert not engine.containers.list(all=True, filters=ours, ignore_removed=True)


def test_a_start_interrupted_half_way_leaves_nothing(
    runtime: Any, shop: Lab, workspace: Path, engine: Any, isolated_state: Path
) -> None:
    def interrupt(progress: Any) -> None:
        if progress.service == "audit" and progress.phase == "starting":
            raise KeyboardInterrupt  # Ctrl-C while the second wave starts

    with pytest.raises(KeyboardInterrupt):
        runtime.up(shop, workspace, on_progress=interrupt, deadline=120)
    ours = labels.state_filter()
    assert not engine.containers.list(all=True, filters=ours, ignore_removed=True)
    assert not engine.networks.list(filters=ours)
    assert not engine.volumes.list(filters=ours)
    assert not list((isolated_state / "runs").glob("*"))


def test_an_unreadable_workspace_is_refused_with_the_fix(
    runtime: Any, shop: Lab, tmp_path: Path, engine: Any
) -> None:
    workspace = readable_copy(SHOP / "solution", tmp_path / "ws")
    (workspace / "pricing.py").chmod(0o600)  # a learner with umask 077
    with pytest.raises(WorkbenchError, match="cannot read") as caught:
        runtime.up(shop, workspace, deadline=60)
    assert "chmod -R o+rX" in (caught.value.hint or "")
    assert not engine.containers.list(all=True, filters=labels.state_filter(), ignore_removed=True)
