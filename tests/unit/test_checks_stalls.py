"""Naming the service a check could not reach, and the learner's line that held its loop."""

from __future__ import annotations

from pathlib import Path

import httpx

from workbench.checks.messages import learner_message, unreachable
from workbench.checks.stalls import explain, service_at, service_of
from workbench.runtime.base import Deployment, Endpoint

STALL = {
    "where": "checkout.py:3",
    "held_s": 3.0,
    "ago_s": 0.2,
    "message": "checkout.py:3 held its event loop for 3.0 s — `time.sleep` in async code? "
    "use `await asyncio.sleep`",
}


def deployment() -> Deployment:
    def ep(name: str, port: int, kind: str = "python") -> Endpoint:
        scheme = "nats" if kind == "nats" else "http"
        return Endpoint(name, kind, f"{scheme}://127.0.0.1:{port}", f"{scheme}://{name}:{port}")

    return Deployment(
        "saga", "saga-1", "local", Path("/nonexistent"), Path("/nonexistent"), None,
        endpoints={"order": ep("order", 41001), "payment": ep("payment", 41002),
                   "broker": ep("broker", 41003, "nats")},
    )  # fmt: skip


def test_the_service_is_found_by_host_and_port() -> None:
    d = deployment()
    assert service_at(d, "http://127.0.0.1:41002/charges?x=1") == "payment"
    assert service_at(d, "http://127.0.0.1:9/x") is None


def test_an_httpx_error_names_the_service_it_was_about() -> None:
    d = deployment()
    request = httpx.Request("POST", "http://127.0.0.1:41001/orders")
    timeout = httpx.ReadTimeout("timed out", request=request)
    assert unreachable(timeout)
    assert service_of(timeout, d) == "order"
    assert learner_message(timeout, "call", "order") == ("error", "order did not answer in time")
    assert service_of(httpx.ReadTimeout("no request"), d) is None  # httpx raises on .request
    assert service_of(timeout, None) is None


def test_every_did_not_answer_message_names_the_service() -> None:
    request = httpx.Request("GET", "http://127.0.0.1:41001/")
    for exc in (
        httpx.ConnectError("refused", request=request),
        httpx.ConnectTimeout("slow", request=request),
        httpx.ReadTimeout("slow", request=request),
        httpx.WriteTimeout("slow", request=request),
        httpx.PoolTimeout("slow", request=request),
        httpx.RemoteProtocolError("gone", request=request),
    ):
        kind, message = learner_message(exc, "call", "order")
        assert kind == "error" and "order" in message, message
        assert "the service" in learner_message(exc, "call")[1]


def test_the_stalled_service_that_did_not_answer_is_named_with_the_line() -> None:
    message = explain("order did not answer in time", "order", {"order": [STALL]})
    assert message == (
        "order stopped answering: checkout.py:3 held its event loop for 3.0 s — `time.sleep` in "
        "async code? use `await asyncio.sleep`"
    )


def test_another_service_that_stalled_is_added_and_no_stall_changes_nothing() -> None:
    message = explain("order 7 is stuck in PENDING", None, {"payment": [STALL]})
    assert message.startswith("order 7 is stuck in PENDING (payment stopped answering: ")
    assert explain("order did not answer in time", "order", {}) == "order did not answer in time"
