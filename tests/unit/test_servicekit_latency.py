"""A latency fault makes the answer late, not the work: the body is read before the delay.

Served by real uvicorn, so a client that gives up really closes its connection during the delay.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from servicekit_support import serve
from starlette.types import Message

from workbench.servicekit import ServiceKit, Settings
from workbench.servicekit.middleware import buffered


class Charge(BaseModel):
    order_id: str
    amount_cents: int


@pytest.fixture
def payment() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A payment service whose only effect is a list of the charges it took."""
    kit = ServiceKit(settings=Settings.from_env("payment", env={}))
    charges: list[dict[str, Any]] = []

    @kit.app.post("/charges", status_code=201)
    async def charge(body: Charge) -> dict[str, Any]:
        charges.append(body.model_dump())
        return {"charged": body.order_id}

    with serve(kit.app) as url:
        yield url, charges


def wait_for(predicate: Any, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def test_a_caller_that_times_out_during_the_latency_loses_only_the_answer(
    payment: tuple[str, list[dict[str, Any]]],
) -> None:
    url, charges = payment
    with httpx.Client(base_url=url, timeout=5.0) as admin:
        admin.post(
            "/_admin/faults", json={"kind": "latency", "latency_ms": 600, "route": "/charges"}
        ).raise_for_status()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                f"{url}/charges", json={"order_id": "o-1", "amount_cents": 4200}, timeout=0.2
            )
        # The caller is gone; the charge still happens once the delay is over.
        assert wait_for(lambda: charges == [{"order_id": "o-1", "amount_cents": 4200}]), charges
        assert wait_for(
            lambda: admin.get("/_admin/stats").json()["served"].get("/charges") == {"201": 1}
        ), admin.get("/_admin/stats").json()


def test_a_patient_caller_gets_the_answer_late(
    payment: tuple[str, list[dict[str, Any]]],
) -> None:
    url, charges = payment
    with httpx.Client(base_url=url, timeout=5.0) as client:
        client.post("/_admin/faults", json={"kind": "latency", "latency_ms": 300})
        started = time.monotonic()
        r = client.post("/charges", json={"order_id": "o-2", "amount_cents": 1})
        assert time.monotonic() - started >= 0.3
        assert (r.status_code, r.json()) == (201, {"charged": "o-2"})
        assert charges == [{"order_id": "o-2", "amount_cents": 1}]


def test_a_latency_with_an_injected_failure_still_does_no_work(
    payment: tuple[str, list[dict[str, Any]]],
) -> None:
    url, charges = payment
    with httpx.Client(base_url=url, timeout=5.0) as client:
        client.post("/_admin/faults", json={"kind": "latency", "latency_ms": 50})
        client.post("/_admin/faults", json={"kind": "fail_next", "status": 503})
        r = client.post("/charges", json={"order_id": "o-3", "amount_cents": 1})
        assert r.status_code == 503
        assert charges == []


def scripted(messages: list[Message]) -> Any:
    """A `receive` that hands out these messages, then reports a disconnect."""
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    return receive


async def test_a_body_in_chunks_is_replayed_whole_then_receive_goes_on() -> None:
    receive = await buffered(
        scripted(
            [
                {"type": "http.request", "body": b'{"a":', "more_body": True},
                {"type": "http.request", "body": b" 1}", "more_body": False},
            ]
        )
    )
    assert await receive() == {"type": "http.request", "body": b'{"a": 1}', "more_body": False}
    assert await receive() == {"type": "http.disconnect"}


async def test_a_caller_gone_before_its_body_arrived_is_a_disconnect() -> None:
    receive = await buffered(
        scripted([{"type": "http.request", "body": b'{"a":', "more_body": True}])
    )
    assert await receive() == {"type": "http.disconnect"}
