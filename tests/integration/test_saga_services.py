"""The saga lab's services on the real local runtime: what the lab's checks take for granted.

The checks judge the learner's orchestrator; they rely on the participants being idempotent,
atomic and durable. Those promises are proved here, against running services: repeated reserve,
release, charge, refund and ship change nothing; a slow participant still does the work when its
caller gave up; notification records one notification per order however often the event comes;
the order state machine refuses illegal moves and says so. One lab run serves the module.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from workbench.lab import Lab, load_lab
from workbench.runtime.base import Deployment
from workbench.runtime.local import LocalRuntime

SAGA_LAB = Path(__file__).resolve().parents[2] / "labs" / "saga"
T = TypeVar("T")

# The solution's checkout, plus one customer whose saga breaks the state machine on purpose.
CHECKOUT = (
    (SAGA_LAB / "solution" / "checkout.py").read_text(encoding="utf-8")
    + """

_solution_run = run


async def run(saga):  # noqa: F811 - wraps the solution for the state-machine test
    if saga.order.customer == "flip-flop":
        saga.approve()
        saga.reject("changed my mind")  # APPROVED -> REJECTED: refused
        return
    await _solution_run(saga)
"""
)


def eventually(check: Callable[[], T], within: float = 10.0, message: str = "") -> T:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, message or f"not true within {within} s"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(SAGA_LAB)


@pytest.fixture(scope="module")
def running(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workspace = tmp_path_factory.mktemp("saga-workspace")
    (workspace / "checkout.py").write_text(CHECKOUT, encoding="utf-8")
    state = tmp_path_factory.mktemp("saga-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(state))
        runtime = LocalRuntime()
        deployment = runtime.up(lab, workspace, deadline=90)
        try:
            yield deployment
        finally:
            runtime.down(deployment)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def new_id() -> int:
    return uuid.uuid4().int % 1_000_000_000 + 1_000_000


def new_sku(http: httpx.Client, running: Deployment, available: int) -> str:
    sku = f"sku-{uuid.uuid4().hex[:8]}"
    answer = http.put(f"{running.url('inventory')}/stock/{sku}", json={"available": available})
    assert answer.status_code == 200, answer.text
    return sku


# -- inventory --------------------------------------------------------------------------------


def test_reserve_and_release_are_idempotent_per_order(
    running: Deployment, http: httpx.Client
) -> None:
    inventory = running.url("inventory")
    sku, order = new_sku(http, running, 5), new_id()
    body = {"order_id": order, "sku": sku, "qty": 2}
    first = http.post(f"{inventory}/reservations", json=body)
    again = http.post(f"{inventory}/reservations", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert http.get(f"{inventory}/stock/{sku}").json()["available"] == 3
    other = http.post(f"{inventory}/reservations", json={**body, "qty": 1})
    assert other.status_code == 422  # same order, other items: a bug in the caller
    for _ in range(2):
        released = http.post(f"{inventory}/reservations/{order}/release")
        assert released.status_code == 200
        assert released.json()["state"] == "released"
    assert http.get(f"{inventory}/stock/{sku}").json()["available"] == 5


def test_reserve_is_refused_when_short_and_after_its_release(
    running: Deployment, http: httpx.Client
) -> None:
    inventory = running.url("inventory")
    sku = new_sku(http, running, 1)
    short = http.post(
        f"{inventory}/reservations", json={"order_id": new_id(), "sku": sku, "qty": 2}
    )
    assert short.status_code == 409
    assert short.json()["error"] == "out_of_stock"
    # A compensation that overtakes its step: the late reserve must not take the units.
    late = new_id()
    assert http.post(f"{inventory}/reservations/{late}/release").status_code == 200
    refused = http.post(f"{inventory}/reservations", json={"order_id": late, "sku": sku, "qty": 1})
    assert refused.status_code == 409
    assert refused.json()["error"] == "released"
    assert http.get(f"{inventory}/stock/{sku}").json()["available"] == 1


def test_concurrent_reserves_never_oversell(running: Deployment, http: httpx.Client) -> None:
    inventory = running.url("inventory")
    sku = new_sku(http, running, 7)

    async def rush() -> list[int]:
        async with httpx.AsyncClient(timeout=10.0) as client:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"{inventory}/reservations",
                        json={"order_id": new_id(), "sku": sku, "qty": 1},
                    )
                    for _ in range(40)
                )
            )
        return [a.status_code for a in answers]

    statuses = asyncio.run(rush())
    assert statuses.count(201) == 7
    assert statuses.count(409) == 33
    stock = http.get(f"{inventory}/stock/{sku}").json()
    assert (stock["available"], stock["reserved"], stock["low_water"]) == (0, 7, 0)


# -- payment ----------------------------------------------------------------------------------


def test_a_charge_repeated_with_its_key_is_answered_from_memory(
    running: Deployment, http: httpx.Client
) -> None:
    payment = running.url("payment")
    order, key = new_id(), f"charge-{uuid.uuid4().hex}"
    body = {"order_id": order, "customer": "dee", "amount_cents": 700}
    first = http.post(f"{payment}/charges", json=body, headers={"Idempotency-Key": key})
    again = http.post(f"{payment}/charges", json=body, headers={"Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    reused = http.post(
        f"{payment}/charges", json={**body, "amount_cents": 1}, headers={"Idempotency-Key": key}
    )
    assert reused.status_code == 422
    ledger = http.get(f"{payment}/ledger", params={"order_id": order}).json()
    assert [e["kind"] for e in ledger["entries"]] == ["charge"]
    assert ledger["net_cents"] == 700


def test_without_a_key_every_charge_is_a_new_one(running: Deployment, http: httpx.Client) -> None:
    payment = running.url("payment")
    order = new_id()
    body = {"order_id": order, "customer": "eve", "amount_cents": 300}
    for _ in range(2):
        assert http.post(f"{payment}/charges", json=body).status_code == 201
    ledger = http.get(f"{payment}/ledger", params={"order_id": order}).json()
    assert ledger["charged_cents"] == 600


def test_declines_above_the_credit_limit_and_remembers_the_decline(
    running: Deployment, http: httpx.Client
) -> None:
    payment = running.url("payment")
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    http.put(f"{payment}/customers/{customer}", json={"credit_limit_cents": 1000})
    ok = {"order_id": new_id(), "customer": customer, "amount_cents": 800}
    assert http.post(f"{payment}/charges", json=ok).status_code == 201
    over = {"order_id": new_id(), "customer": customer, "amount_cents": 300}
    key = {"Idempotency-Key": f"charge-{over['order_id']}"}
    declined = http.post(f"{payment}/charges", json=over, headers=key)
    assert declined.status_code == 402
    assert "credit limit" in declined.json()["reason"]
    # Credit freed later does not turn the remembered answer into a charge.
    refund = {"order_id": ok["order_id"], "customer": customer, "amount_cents": 800}
    assert http.post(f"{payment}/refunds", json=refund).status_code == 201
    assert http.post(f"{payment}/charges", json=over, headers=key).status_code == 402
    assert http.get(f"{payment}/customers/{customer}").json()["balance_cents"] == 0


def test_a_refund_repeated_with_its_key_refunds_once(
    running: Deployment, http: httpx.Client
) -> None:
    payment = running.url("payment")
    order = new_id()
    body = {"order_id": order, "customer": "fay", "amount_cents": 450}
    headers = {"Idempotency-Key": f"refund-{order}"}
    statuses = [
        http.post(f"{payment}/refunds", json=body, headers=headers).status_code for _ in range(3)
    ]
    assert statuses == [201, 200, 200]
    ledger = http.get(f"{payment}/ledger", params={"order_id": order}).json()
    assert ledger["refunded_cents"] == 450


def test_a_slow_participant_still_does_the_work_its_caller_gave_up_on(
    running: Deployment, http: httpx.Client
) -> None:
    payment = running.url("payment")
    fault = http.post(
        f"{payment}/_admin/faults", json={"kind": "latency", "latency_ms": 600, "route": "/charges"}
    )
    assert fault.status_code == 201
    order = new_id()
    try:
        with pytest.raises(httpx.TimeoutException):
            http.post(
                f"{payment}/charges",
                timeout=0.2,
                json={"order_id": order, "customer": "gus", "amount_cents": 100},
            )
        charged = eventually(
            lambda: http.get(f"{payment}/ledger", params={"order_id": order}).json()["entries"],
            within=5.0,
            message="the charge whose answer came too late was never made",
        )
    finally:
        http.delete(f"{payment}/_admin/faults")
    assert len(charged) == 1


# -- shipping ---------------------------------------------------------------------------------


def test_one_shipment_per_order_and_no_delivery_to_atlantis(
    running: Deployment, http: httpx.Client
) -> None:
    shipping = running.url("shipping")
    order = new_id()
    body = {"order_id": order, "address": "1 Main Street"}
    first = http.post(f"{shipping}/shipments", json=body)
    again = http.post(f"{shipping}/shipments", json={**body, "address": "elsewhere"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert http.get(f"{shipping}/orders/{order}/shipment").json() == first.json()
    assert http.get(f"{shipping}/orders/{new_id()}/shipment").status_code == 404
    atlantis = http.post(
        f"{shipping}/shipments", json={"order_id": new_id(), "address": "3 Deep Road, Atlantis"}
    )
    assert atlantis.status_code == 409


# -- notification -----------------------------------------------------------------------------


def test_an_event_delivered_twice_gives_one_notification(
    running: Deployment, http: httpx.Client
) -> None:
    order = new_id()

    async def publish_twice() -> None:
        import nats

        nc = await nats.connect(running.nats_url)
        try:
            js = nc.jetstream()
            for attempt in range(2):  # two msg ids: JetStream stores both, the consumer dedupes
                await js.publish(
                    "order.approved",
                    json.dumps({"order_id": order, "customer": "hal"}).encode(),
                    headers={"Nats-Msg-Id": f"test-{order}-{attempt}"},
                )
        finally:
            await nc.close()

    asyncio.run(publish_twice())
    url = f"{running.url('notification')}/notifications"
    found = eventually(
        lambda: [
            n
            for n in http.get(url, params={"order_id": order}).json()["notifications"]
            if n["deliveries"] == 2
        ],
        message="notification did not see both deliveries",
    )
    assert len(found) == 1
    assert found[0]["kind"] == "approved"


# -- order ------------------------------------------------------------------------------------


def place(http: httpx.Client, running: Deployment, **fields: Any) -> httpx.Response:
    body = {"customer": "ivy", "sku": "none", "qty": 1, "amount_cents": 100, **fields}
    return http.post(f"{running.url('order')}/orders", json=body)


def test_the_state_machine_refuses_to_leave_a_final_state(
    running: Deployment, http: httpx.Client
) -> None:
    created = place(http, running, customer="flip-flop")
    assert created.status_code == 202
    url = f"{running.url('order')}/orders/{created.json()['id']}"
    order = eventually(
        lambda: (o := http.get(url).json())["error"] and o,
        message="the illegal transition was not reported on the order",
    )
    assert order["status"] == "APPROVED"
    assert "IllegalTransition" in order["error"]
    assert "already APPROVED; it cannot become REJECTED" in order["error"]
    assert order["saga_open"] is False


def test_an_order_posted_twice_with_its_key_is_one_order(
    running: Deployment, http: httpx.Client
) -> None:
    sku = new_sku(http, running, 4)
    key = {"Idempotency-Key": f"cart-{uuid.uuid4().hex}"}
    order_url = f"{running.url('order')}/orders"
    body = {"customer": "jo", "sku": sku, "qty": 1, "amount_cents": 500}
    first = http.post(order_url, json=body, headers=key)
    again = http.post(order_url, json=body, headers=key)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    done = eventually(
        lambda: (
            (o := http.get(f"{order_url}/{first.json()['id']}").json())["status"] == "APPROVED"
            and o
        ),
        message="the solution did not approve the order",
    )
    saga = http.get(f"{order_url}/{done['id']}/saga").json()
    assert [(e["step"], e["state"]) for e in saga["log"]][:3] == [
        ("saga", "forward"),
        ("reserve", "started"),
        ("reserve", "done"),
    ]
    assert http.get(f"{running.url('inventory')}/stock/{sku}").json()["available"] == 3


def test_a_crash_point_rejects_unknown_steps(running: Deployment, http: httpx.Client) -> None:
    answer = http.post(f"{running.url('order')}/_admin/crash", json={"point": "dance"})
    assert answer.status_code == 422
    assert ("unknown crash point 'dance'; known points: reserve, release, charge, refund, ship, "
            "tell, publish") in answer.json()["detail"]  # fmt: skip
    state = http.get(f"{running.url('order')}/_admin/crash").json()
    assert (state["points"][:3], state["armed"]) == (["reserve", "release", "charge"], [])
