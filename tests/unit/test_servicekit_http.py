"""The service kit over HTTP: probes, readiness checks, faults, stats, request ids, errors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from workbench.servicekit import ServiceKit, Settings


def make_kit(name: str = "orders", **env: str) -> ServiceKit:
    kit = ServiceKit(settings=Settings.from_env(name, env=env))

    @kit.app.get("/orders/{order_id}")
    async def get_order(order_id: str) -> dict[str, Any]:
        return {"id": order_id}

    @kit.app.get("/stock")
    async def stock() -> dict[str, Any]:
        return {"tea": 3}

    @kit.app.get("/boom")
    async def boom() -> dict[str, Any]:
        raise RuntimeError("kaput")

    return kit


@pytest.fixture
def kit() -> ServiceKit:
    return make_kit()


@pytest.fixture
async def client(kit: ServiceKit) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as c:
        yield c


async def test_health_answers_with_service_name_and_request_id(client: httpx.AsyncClient) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["service"] == "orders"
    assert r.json()["boot"]  # a new one after a reload: watch mode waits for it
    assert len(r.headers["x-request-id"]) == 32


async def test_ready_without_checks_is_ready(client: httpx.AsyncClient) -> None:
    r = await client.get("/ready")
    assert (r.status_code, r.json()["ready"], r.json()["problems"]) == (200, True, [])


async def test_ready_lists_every_failing_check(kit: ServiceKit, client: httpx.AsyncClient) -> None:
    state = {"db": False}

    @kit.readiness_check
    async def database() -> bool:
        return state["db"]

    @kit.readiness_check
    async def cache() -> str | None:
        return "cache is warming up"

    @kit.readiness_check
    async def broken() -> bool:
        raise ConnectionError("refused")

    @kit.readiness_check
    async def fine() -> None:
        return None

    r = await client.get("/ready")
    assert r.status_code == 503
    assert r.json()["problems"] == [
        "database failed",
        "cache is warming up",
        "broken: ConnectionError: refused",
    ]
    state["db"] = True
    kit._checks = [c for c in kit._checks if c[0] in ("database", "fine")]
    assert (await client.get("/ready")).status_code == 200


async def test_a_hanging_check_makes_ready_fail_not_hang(
    kit: ServiceKit, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workbench.servicekit.kit.READY_CHECK_TIMEOUT_S", 0.1)

    @kit.readiness_check
    async def slow() -> bool:
        await asyncio.sleep(10)
        return True

    started = time.monotonic()
    r = await client.get("/ready")
    assert r.status_code == 503
    assert r.json()["problems"] == ["slow: no answer within 0.1 s"]
    assert time.monotonic() - started < 2


async def test_fail_next_on_a_route_fails_exactly_n_then_is_used_up(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/_admin/faults", json={"kind": "fail_next", "count": 2, "route": "/orders", "status": 502}
    )
    assert r.status_code == 201
    assert r.json()["id"] >= 1
    statuses = [(await client.get("/orders/7")).status_code for _ in range(3)]
    assert statuses == [502, 502, 200]
    assert (await client.get("/stock")).status_code == 200  # other routes untouched
    assert (await client.get("/_admin/faults")).json()["faults"] == []


async def test_injected_failure_says_it_was_injected(client: httpx.AsyncClient) -> None:
    await client.post("/_admin/faults", json={"kind": "fail_next"})
    r = await client.get("/stock")
    assert r.status_code == 503
    assert r.headers["x-workbench-fault"] == "fail_next"
    assert r.json()["fault"] == "fail_next"
    assert "x-request-id" in r.headers


async def test_error_rate_whole_service_spares_probes_and_admin(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/_admin/faults", json={"kind": "error_rate", "rate": 1.0, "status": 500})
    assert (await client.get("/stock")).status_code == 500
    assert (await client.get("/orders/1")).status_code == 500
    for path in ("/health", "/ready", "/_admin/stats", "/_admin/faults"):
        assert (await client.get(path)).status_code == 200, path
    assert (await client.delete("/_admin/faults")).json() == {"cleared": 1}
    assert (await client.get("/stock")).status_code == 200


async def test_error_rate_fails_about_that_share_of_requests(client: httpx.AsyncClient) -> None:
    await client.post("/_admin/faults", json={"kind": "error_rate", "rate": 0.5})
    failed = 0
    for _ in range(200):
        failed += (await client.get("/stock")).status_code == 503
    # Binomial(200, 0.5): outside 60..140 has a probability far below one in a billion.
    assert 60 < failed < 140


async def test_latency_delays_only_its_route(client: httpx.AsyncClient) -> None:
    await client.post(
        "/_admin/faults", json={"kind": "latency", "latency_ms": 200, "route": "/stock"}
    )
    started = time.monotonic()
    assert (await client.get("/stock")).status_code == 200
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    await client.get("/orders/1")
    await client.get("/health")
    assert time.monotonic() - started < 0.15


async def test_faults_can_be_removed_one_by_one(client: httpx.AsyncClient) -> None:
    a = (await client.post("/_admin/faults", json={"kind": "latency", "latency_ms": 5})).json()
    await client.post("/_admin/faults", json={"kind": "error_rate", "rate": 0.0})
    assert (await client.delete(f"/_admin/faults/{a['id']}")).status_code == 200
    assert (await client.delete(f"/_admin/faults/{a['id']}")).status_code == 404
    kinds = [f["kind"] for f in (await client.get("/_admin/faults")).json()["faults"]]
    assert kinds == ["error_rate"]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "latency"},
        {"kind": "error_rate", "rate": 2},
        {"kind": "explode"},
        {"kind": "fail_next", "route": "orders"},
        {"kind": "fail_next", "status": 200},
        {"kind": "fail_next", "colour": "red"},
    ],
)
async def test_bad_fault_specs_are_rejected(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    r = await client.post("/_admin/faults", json=body)
    assert r.status_code == 422
    assert (await client.get("/_admin/faults")).json()["faults"] == []


async def test_stats_count_served_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/orders/1")
    await client.get("/orders/2")
    await client.post("/_admin/faults", json={"kind": "fail_next", "route": "/orders"})
    await client.get("/orders/3")
    await client.get("/nowhere")
    await client.get("/health")
    await client.get("/ready")
    stats = (await client.get("/_admin/stats")).json()
    assert set(stats.pop("latency")["routes"]) == {"/orders/{order_id}", "/nowhere"}
    assert stats == {
        "service": "orders",
        "in_flight": 0,
        "served": {"/orders/{order_id}": {"200": 2, "503": 1}, "/nowhere": {"404": 1}},
        "calls": {},
        "published": {},
        "consumed": {},
    }
    await client.delete("/_admin/stats")
    assert (await client.get("/_admin/stats")).json()["served"] == {}


async def test_unhandled_error_is_a_json_500_with_the_request_id(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    r = await client.get("/boom", headers={"X-Request-ID": "req-42"})
    assert r.status_code == 500
    assert r.json()["error"] == "RuntimeError: kaput"
    assert r.headers["x-request-id"] == "req-42"
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    crash = next(line for line in lines if line["msg"] == "unhandled error")
    assert crash["request_id"] == "req-42"
    assert "kaput" in crash["error"]
    assert (await client.get("/_admin/stats")).json()["served"]["/boom"] == {"500": 1}


async def test_one_json_log_line_per_request(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    await client.get("/stock", headers={"X-Request-ID": "abc-1"})
    await client.get("/health")  # probes are not logged at info
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    requests = [line for line in lines if line["msg"] == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert {k: line[k] for k in ("level", "service", "request_id", "path", "status")} == {
        "level": "info",
        "service": "orders",
        "request_id": "abc-1",
        "path": "/stock",
        "status": 200,
    }
    assert isinstance(line["ms"], float)


async def test_traceparent_alone_gives_the_request_id(client: httpx.AsyncClient) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    r = await client.get("/stock", headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"})
    assert r.headers["x-request-id"] == trace_id


async def test_unsafe_request_ids_are_replaced(client: httpx.AsyncClient) -> None:
    r = await client.get("/stock", headers={"X-Request-ID": "a b\tc"})
    assert r.headers["x-request-id"] != "a b\tc"
    assert len(r.headers["x-request-id"]) == 32


async def test_problem_lists_show_in_problems_without_making_the_service_unready(
    kit: ServiceKit, client: httpx.AsyncClient
) -> None:
    skipped = [{"event_id": "e-7", "state": "skipped", "reason": "unknown schema 3"}]

    @kit.problem_list("events")
    def events() -> list[dict[str, Any]]:
        return skipped

    @kit.problem_list("broken")
    def broken() -> list[dict[str, Any]]:
        raise KeyError("x")

    r = await client.get("/_admin/problems")
    assert r.json()["events"] == skipped
    assert r.json()["broken"] == [{"problem": "KeyError: 'x'"}]
    assert r.json()["problems"] == []
    assert (await client.get("/ready")).status_code == 200


def test_a_problem_list_cannot_hide_the_kits_own_fields(kit: ServiceKit) -> None:
    from workbench.servicekit.errors import KitConfigError

    with pytest.raises(KitConfigError, match="'stalls' would hide"):
        kit.problem_list("stalls")


async def test_trace_keeps_what_one_request_id_did(
    kit: ServiceKit, client: httpx.AsyncClient
) -> None:
    rid = "ab" * 16
    await client.get("/stock", headers={"X-Request-ID": rid})
    await client.post("/_admin/faults", json={"kind": "fail_next", "count": 1, "status": 503})
    await client.get("/orders/7", headers={"X-Request-ID": rid})
    await client.get("/stock")  # another request id: not the check's
    records = (await client.get("/_admin/trace", params={"request_id": rid})).json()["records"]
    assert [(r["kind"], r["path"], r["status"]) for r in records] == [
        ("request", "/stock", 200),
        ("request", "/orders/7", 503),
    ]
    assert records[1]["fault"] == "fail_next" and records[0]["service"] == "orders"
    assert records[0]["ts"] <= records[1]["ts"] and records[0]["request_id"] == rid
