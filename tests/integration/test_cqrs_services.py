"""The CQRS lab's services on the real local runtime: what the lab's checks take for granted.

The checks judge the learner's projection; they rely on the write side versioning every change
and refusing illegal moves, on the schema switch, on the rebuild swapping stores without losing
or doubling an event, and on order-views turning bad input into a sentence (a broken
projection.py, an apply that raises, an event that is not one). One lab run serves the module.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from workbench.checks.events import Events
from workbench.lab import Lab, load_lab
from workbench.runtime.base import Deployment
from workbench.runtime.local import LocalRuntime

CQRS_LAB = Path(__file__).resolve().parents[2] / "labs" / "cqrs"
T = TypeVar("T")

# The solution's projection, plus one customer whose events fail while the workspace holds a file
# `boom-on` (for the problems list).
PROJECTION = (
    (CQRS_LAB / "solution" / "projection.py").read_text(encoding="utf-8")
    + """

import pathlib

_solution_apply = apply
_BOOM = pathlib.Path(__file__).with_name("boom-on")


def apply(db, event):  # noqa: F811 - wraps the solution for the bad-input tests
    if (event.get("data") or {}).get("customer_id") == "c-boom" and _BOOM.exists():
        raise RuntimeError("boom for the test")
    _solution_apply(db, event)
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
    return load_lab(CQRS_LAB)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cqrs-workspace")
    (folder / "projection.py").write_text(PROJECTION, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def running(
    lab: Lab, workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    state = tmp_path_factory.mktemp("cqrs-state")
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


@pytest.fixture
def events(running: Deployment) -> Iterator[Events]:
    assert running.nats_url is not None
    helper = Events(running.nats_url)
    try:
        yield helper
    finally:
        helper.close()


def new_customer(http: httpx.Client, running: Deployment, name: str = "Ann") -> str:
    customer_id = f"c-{uuid.uuid4().hex[:8]}"
    answer = http.post(
        f"{running.url('customers')}/customers", json={"customer_id": customer_id, "name": name}
    )
    assert answer.status_code == 201, answer.text
    return customer_id


def new_order(http: httpx.Client, running: Deployment, customer_id: str, **body: Any) -> int:
    answer = http.post(
        f"{running.url('orders')}/orders",
        json={"customer_id": customer_id, **(body or {"amount_cents": 1000})},
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def view(http: httpx.Client, running: Deployment, order_id: int) -> dict[str, Any] | None:
    answer = http.get(f"{running.url('order-views')}/views/orders/{order_id}")
    return dict(answer.json()) if answer.status_code == 200 else None


def event_problems(http: httpx.Client, running: Deployment) -> list[dict[str, Any]]:
    return list(http.get(f"{running.url('order-views')}/_admin/problems").json()["events"])


# -- the write side ----------------------------------------------------------------------------


def test_every_change_is_one_versioned_event_and_illegal_moves_answer_409(
    running: Deployment, http: httpx.Client, events: Events
) -> None:
    orders = running.url("orders")
    order_id = new_order(http, running, new_customer(http, running), amount_cents=2500)
    assert http.post(f"{orders}/orders/{order_id}/approve").json()["version"] == 2
    again = http.post(f"{orders}/orders/{order_id}/approve")
    assert again.status_code == 409
    assert again.json()["detail"] == f"order {order_id} is APPROVED; it cannot be approved"
    assert http.post(f"{orders}/orders/{order_id}/cancel").status_code == 409
    assert http.post(f"{orders}/orders/{order_id}/ship").json()["status"] == "SHIPPED"
    assert http.post(f"{orders}/orders/999999/ship").status_code == 404
    bad = http.post(f"{orders}/orders", json={"customer_id": "c", "amount_cents": 1, "lines": []})
    assert bad.status_code == 422

    published = [m for m in events.collect("order.>", within=3.0) if m.data["order_id"] == order_id]
    assert [(m.subject, m.data["version"]) for m in published] == [
        ("order.created", 1),
        ("order.approved", 2),
        ("order.shipped", 3),
    ]
    for message in published:
        assert message.msg_id == message.data["event_id"]
        assert message.data["type"] == message.subject
        assert message.data["schema"] == 1
        assert message.data["at"].endswith("+00:00")
    assert published[0].data["data"] == {
        "customer_id": published[0].data["data"]["customer_id"],
        "amount_cents": 2500,
    }


def test_the_schema_switch_changes_what_order_created_carries(
    running: Deployment, http: httpx.Client, events: Events
) -> None:
    orders = running.url("orders")
    assert http.post(f"{orders}/_admin/schema", json={"version": 3}).status_code == 422
    assert http.post(f"{orders}/_admin/schema", json={"version": 2}).json() == {"version": 2}
    try:
        lines = [{"sku": "mug", "qty": 2, "price_cents": 300}]
        order_id = new_order(http, running, new_customer(http, running), lines=lines)
        created = [
            m for m in events.collect("order.created", within=3.0)
            if m.data["order_id"] == order_id
        ]  # fmt: skip
        assert len(created) == 1
        assert created[0].data["schema"] == 2
        assert created[0].data["data"]["lines"] == lines
        assert "amount_cents" not in created[0].data["data"]
        found = eventually(lambda: view(http, running, order_id))
        assert found["amount_cents"] == 600
    finally:
        http.post(f"{orders}/_admin/schema", json={"version": 1})
    assert http.get(f"{orders}/_admin/schema").json() == {"version": 1}


def test_a_customer_is_created_once_and_renamed_with_a_new_version(
    running: Deployment, http: httpx.Client
) -> None:
    customers = running.url("customers")
    customer_id = new_customer(http, running, "Bo")
    taken = http.post(f"{customers}/customers", json={"customer_id": customer_id, "name": "X"})
    assert taken.status_code == 409
    renamed = http.post(f"{customers}/customers/{customer_id}/rename", json={"name": "Bo Li"})
    assert renamed.json() == {"customer_id": customer_id, "name": "Bo Li", "version": 2}
    assert http.post(f"{customers}/customers/nobody/rename", json={"name": "Y"}).status_code == 404


# -- the read side -------------------------------------------------------------------------------


def test_the_views_refuse_bad_questions_in_a_sentence(
    running: Deployment, http: httpx.Client
) -> None:
    views = running.url("order-views")
    missing = http.get(f"{views}/views/orders/999")
    assert (missing.status_code, missing.json()["detail"]) == (
        404,
        "no order 999 in the view (yet)",
    )
    for day in ("yesterday", "2026-02-30"):
        wrong = http.get(f"{views}/views/revenue", params={"day": day})
        assert wrong.status_code == 422
        assert "YYYY-MM-DD" in wrong.json()["detail"]
    assert http.get(f"{views}/views/customers/nobody/orders").status_code == 404
    assert http.get(f"{views}/views/revenue").json()["day"] == time.strftime(
        "%Y-%m-%d", time.gmtime()
    )


def test_a_rebuild_swaps_in_the_same_views_and_keeps_events_that_arrive_meanwhile(
    running: Deployment, http: httpx.Client
) -> None:
    orders, views = running.url("orders"), running.url("order-views")
    customer_id = new_customer(http, running, "Cy")
    done = new_order(http, running, customer_id, amount_cents=300)
    http.post(f"{orders}/orders/{done}/approve")
    waiting = new_order(http, running, customer_id, amount_cents=400)
    eventually(lambda: (view(http, running, done) or {}).get("status") == "APPROVED")
    eventually(lambda: view(http, running, waiting))
    before = http.get(f"{views}/views/orders/{done}").text

    started = http.post(f"{views}/_admin/rebuild", json={"hold_s": 1.0})
    assert started.status_code == 202
    assert started.json()["state"] == "running"
    second = http.post(f"{views}/_admin/rebuild")
    assert second.status_code == 409
    assert "already running" in second.json()["detail"]
    assert http.post(f"{views}/_admin/rebuild", json={"hold_s": "x"}).status_code == 422
    http.post(f"{orders}/orders/{waiting}/approve")  # during the rebuild: consumers paused
    assert http.get(f"{views}/views/orders/{done}").text == before  # the old store answers
    assert view(http, running, waiting)["status"] == "PENDING"  # type: ignore[index]

    status = eventually(
        lambda: (s := http.get(f"{views}/_admin/rebuild").json())["state"] != "running" and s
    )
    assert status["state"] == "done", status
    assert status["events"] >= 5
    assert http.get(f"{views}/views/orders/{done}").text == before
    approved = eventually(lambda: (v := view(http, running, waiting)) and v["status"] == "APPROVED"
                          and v)  # fmt: skip
    assert [h["version"] for h in approved["history"]] == [1, 2]


def test_bad_events_are_listed_in_problems_and_block_nothing(
    running: Deployment, http: httpx.Client, events: Events, workspace: Path
) -> None:
    (workspace / "boom-on").touch()
    events.publish("order.created", b"not json at all")
    unknown = {"event_id": uuid.uuid4().hex, "type": "order.teleported", "order_id": 1}
    events.publish("order.teleported", unknown, msg_id=unknown["event_id"])
    boom_order = uuid.uuid4().int % 10**8 + 10**8
    boom = {"event_id": uuid.uuid4().hex, "type": "order.created", "order_id": boom_order,
            "version": 1, "at": "2024-01-01T00:00:00+00:00", "schema": 1,
            "data": {"customer_id": "c-boom", "amount_cents": 1}}  # fmt: skip
    events.publish("order.created", boom, msg_id=boom["event_id"])
    # An ordinary order after all of them is applied: nothing blocks the stream.
    order_id = new_order(http, running, new_customer(http, running), amount_cents=100)
    eventually(lambda: view(http, running, order_id))

    def entry(event_id: str) -> dict[str, Any] | None:
        return next((e for e in event_problems(http, running) if e["event_id"] == event_id), None)

    skipped = eventually(lambda: entry(unknown["event_id"]))
    assert skipped["state"] == "skipped"
    assert "unknown event type 'order.teleported'" in skipped["reason"]
    failing = eventually(lambda: (e := entry(boom["event_id"])) and e["deliveries"] >= 2 and e)
    assert failing["state"] == "failing"
    assert failing["reason"] == "RuntimeError: boom for the test"
    assert failing["where"].startswith("projection.py:")
    ready = http.get(f"{running.url('order-views')}/ready")
    assert ready.status_code == 200  # a bad event is listed, not a reason to stop serving
    # A rebuild leaves out what the live views lack too, instead of failing on it.
    views = running.url("order-views")
    assert http.post(f"{views}/_admin/rebuild").status_code == 202
    rebuilt = eventually(
        lambda: (s := http.get(f"{views}/_admin/rebuild").json())["state"] != "running" and s
    )
    assert (rebuilt["state"], rebuilt["left_out"]) == ("done", 1), rebuilt
    assert view(http, running, order_id) is not None
    assert view(http, running, boom_order) is None
    # Once the projection can apply it, the redelivered event is applied and leaves the list.
    (workspace / "boom-on").unlink()
    eventually(lambda: view(http, running, boom_order))
    assert entry(boom["event_id"]) is None
    assert entry(unknown["event_id"]) is not None  # a skipped event stays listed


def test_a_projection_that_does_not_import_is_named_by_ready(
    running: Deployment, http: httpx.Client, workspace: Path
) -> None:
    ready_url = f"{running.url('order-views')}/ready"
    path = workspace / "projection.py"
    path.write_text("def apply(db, event):\n    return (\n", encoding="utf-8")
    try:
        broken = eventually(lambda: (r := http.get(ready_url)).status_code == 503 and r)
        problems = " ".join(broken.json()["problems"])
        assert "projection.py line" in problems
        assert "SyntaxError" in problems
    finally:
        path.write_text(PROJECTION, encoding="utf-8")
    eventually(lambda: http.get(ready_url).status_code == 200)
