"""A check file for the fixtures of what the system really did (`stats`, `observed_topology`,
`events`) and the messages of checks that could not reach a service, run on the fixture shop lab
by the local (tests/integration) and the Docker (tests/docker) runtime alike."""

from __future__ import annotations

from workbench.checkrun.results import CheckResult

CHECKS = """
import uuid

import httpx
import pytest

from workbench.checks import eventually

ORDER = {"items": [{"sku": "tea", "quantity": 2, "unit_cents": 450}]}


@pytest.mark.exercise("pricing")
def test_a_stats_count_what_this_check_did(http, service_url, stats):
    gateway, orders = stats("gateway"), stats("orders")
    for _ in range(2):
        assert http.post(service_url("gateway") + "/orders", json=ORDER).status_code == 201
    through = gateway.delta()
    assert through.calls["orders"] == 2, through
    assert through.served["/orders"] == 2, through
    assert through.peer_latency("orders").count == 2
    assert through.peer_latency("orders").p50_ms > 0
    done = orders.delta()
    assert done.served["/orders"] == 2 and done.served_statuses["/orders"]["201"] == 2, done
    assert done.published["order.created"] == 2, done
    assert done.route_latency("/orders").count == 2
    assert done.route_latency("/orders").p95_ms >= done.route_latency("/orders").p50_ms
    assert done.calls["audit"] == 0
    assert orders.snapshot().served["/orders"] >= 2


@pytest.mark.exercise("pricing")
def test_b_observed_topology_shows_undeclared_coupling(http, service_url, observed_topology):
    order = http.post(service_url("gateway") + "/orders", json=ORDER).json()
    assert http.get(service_url("orders") + f"/orders/{order['id']}/audit-trail").status_code == 200
    seen = observed_topology()
    assert ("orders", "audit", "http") in seen.undeclared_edges(), seen.undeclared_edges()
    assert ("gateway", "orders", "http") not in seen.undeclared_edges()
    assert seen.calls("gateway", "orders") >= 1
    assert seen.graph.nodes["orders"]["state"] == "ready"


@pytest.mark.exercise("pricing")
def test_c_events_publish_and_collect(http, service_url, events):
    assert http.post(service_url("gateway") + "/orders", json=ORDER).status_code == 201
    created = events.collect("order.created", within=5, count=1)
    assert len(created) == 1 and created[0].data["total_cents"] == 900, created
    assert created[0].msg_id == created[0].data["order_id"]
    probe = f"probe{uuid.uuid4().hex[:6]}.said"
    first = events.publish(probe, {"n": 1}, msg_id="p-1", headers={"X-Check": "yes"})
    again = events.publish(probe, {"n": 1}, msg_id="p-1")
    assert again == first  # deduplicated by JetStream
    got = events.collect(probe, within=2)
    assert [(m.data, m.headers.get("X-Check"), m.seq) for m in got] == [({"n": 1}, "yes", first)]
    assert events.collect("nobody.listens", within=0.3) == []


@pytest.mark.exercise("pricing")
def test_c3_a_service_replays_its_stream(http, service_url):
    # The orders placed so far are all in the stream; audit recorded each (once it caught up).
    def rebuilt():
        answer = http.post(service_url("audit") + "/audit/rebuild")
        assert answer.status_code == 200, answer.text
        return answer.json()

    first = rebuilt()
    assert first["replayed"] >= 4, first
    eventually(lambda: rebuilt()["missing"] == [], within=5, message=str(rebuilt()))
    assert http.post(service_url("gateway") + "/orders", json=ORDER).status_code == 201
    again = rebuilt()
    assert again["replayed"] == first["replayed"] + 1 and again["last_seq"] > first["last_seq"]


@pytest.mark.exercise("pricing")
def test_c2_a_timeout_names_the_service(service_url, faults):
    faults.latency("gateway", 1000)
    httpx.get(service_url("gateway") + "/audit", timeout=0.3)


@pytest.mark.exercise("pricing")
def test_d_a_held_event_loop_is_named(service_url):
    slow = dict(ORDER, code="SLOW")
    httpx.post(service_url("orders") + "/orders", json=slow, timeout=0.5)
"""

BLOCKING_PRICING = """import time


def total_cents(items, code=None):
    if code == "SLOW":
        time.sleep(2.0)
    return sum(item["quantity"] * item["unit_cents"] for item in items)
"""


def assert_results(results: dict[str, CheckResult]) -> None:
    passing = ["a stats count what this check did", "b observed topology shows undeclared coupling",
               "c events publish and collect", "c3 a service replays its stream"]  # fmt: skip
    for name in passing:
        assert results[name].ok, (name, results[name].message, results[name].details[-1500:])
    held = results["d a held event loop is named"]
    assert held.outcome.value == "error"
    assert held.message.startswith(
        "orders stopped answering: pricing.py:6 held its event loop for 2."
    ), held.message
    assert held.message.endswith("`time.sleep` in async code? use `await asyncio.sleep`")
    late = results["c2 a timeout names the service"]
    assert (late.outcome.value, late.message) == ("error", "gateway did not answer in time"), (
        held.duration,
        late.duration,
        late.details[-3000:],
    )
