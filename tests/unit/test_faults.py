"""The fault API's checks and the fault record (the faults themselves are exercised on a real lab in
tests/integration/test_local_runtime.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.runtime import fault_record, faults
from workbench.runtime.base import Deployment, Endpoint


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    return Deployment(
        lab_id="shop", run_id="shop-00000000", runtime="local", run_dir=tmp_path,
        lab_path=tmp_path, workspace=None,
        endpoints={
            "orders": Endpoint("orders", "http", "http://127.0.0.1:9", "http://127.0.0.1:9"),
            "broker": Endpoint("broker", "nats", "nats://127.0.0.1:8", "nats://127.0.0.1:8"),
        },
    )  # fmt: skip


@pytest.mark.parametrize(
    ("service", "kind", "options", "message"),
    [
        ("orders", "slowness", {}, "unknown fault kind 'slowness'"),
        ("ordres", "kill", {}, "lab 'shop' has no service 'ordres'"),
        ("broker", "latency", {"latency_ms": 5}, "latency acts through the service kit"),
        ("broker", "partition", {}, "partition acts through the service kit"),
        ("orders", "latency", {}, "a latency fault needs a delay"),
        ("orders", "error_rate", {"rate": 1.5}, "rate 1.5 is not between 0 and 1"),
        ("orders", "fail_next", {"count": 0}, "fail_next needs a count of at least 1"),
        ("orders", "latency", {"ms": 5, "route": "orders"}, "route 'orders' must start with /"),
        ("orders", "latency", {"ms": 5, "colour": "red"}, "unknown fault option(s): colour"),
        ("orders", "reset", {"method": "FETCH"}, "method 'FETCH' is not an HTTP method"),
        ("orders", "reset", {"rate": -1}, "rate -1.0 is not between 0 and 1"),
        ("orders", "reset", {"point": "x"}, "unknown fault option(s): point"),
        ("orders", "crash", {"point": "x", "ms": 5}, "unknown crash option(s): ms"),
        ("broker", "crash", {"point": "x"}, "crash acts through the service kit"),
        ("orders", "crash", {"point": "x"}, "service 'orders' does not answer"),
    ],
)
def test_bad_faults_are_refused_before_anything_happens(
    deployment: Deployment, service: str, kind: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(WorkbenchError) as caught:
        faults.inject(deployment, service, kind, **options)
    assert message in caught.value.message
    assert fault_record.active(deployment) == []


def test_descriptions_are_short_and_human() -> None:
    assert (
        fault_record.ActiveFault("o", "latency", {"latency_ms": 300}).describe() == "latency 300 ms"
    )
    assert (
        fault_record.ActiveFault("o", "error_rate", {"rate": 0.5, "route": "/orders"}).describe()
        == "error_rate 50% (503) on /orders"
    )
    assert fault_record.ActiveFault("o", "fail_next", {"count": 3, "status": 500}).describe() == (
        "fail_next 3 (500)"
    )
    assert fault_record.ActiveFault("o", "reset", {"rate": 1.0, "method": "POST"}).describe() == (
        "reset on POST"
    )
    assert fault_record.ActiveFault("o", "reset", {"rate": 0.25, "route": "/a"}).describe() == (
        "reset 25% on /a"
    )
    crash = fault_record.ActiveFault("o", "crash", {"point": "charge", "key": "5", "mode": "hold"})
    assert crash.describe() == "hold at charge (key 5)"
    assert fault_record.ActiveFault("o", "crash", {"point": "ship"}).describe() == "crash at ship"
    assert fault_record.ActiveFault("o", "pause").describe() == "paused"


def test_records_survive_in_the_run_folder_and_forget_follows_a_restart(
    deployment: Deployment,
) -> None:
    fault_record.update(deployment, lambda _: [
        fault_record.ActiveFault("orders", "latency", {"latency_ms": 300}, 1),
        fault_record.ActiveFault("orders", "partition"),
        fault_record.ActiveFault("broker", "pause"),
    ])  # fmt: skip
    assert (deployment.run_dir / "faults.json").is_file()
    assert fault_record.by_service(deployment) == {
        "orders": ["latency 300 ms", "partitioned"], "broker": ["paused"],
    }  # fmt: skip
    fault_record.forget(
        deployment, "orders"
    )  # local: a new process has no kit faults, no partition
    assert fault_record.by_service(deployment) == {"broker": ["paused"]}
