"""The `stats` fixture's arithmetic: reports, deltas (also across a restart) and percentiles."""

from __future__ import annotations

import random
from typing import Any

import pytest

from workbench.checks.stats import ServiceStats, StatsReport, percentile, subtract
from workbench.servicekit.stats import Histogram, Stats
from workbench.servicekit.stats import percentile as kit_percentile


def report(stats: Stats) -> dict[str, Any]:
    return stats.snapshot()


def test_a_report_counts_per_route_peer_and_subject_with_zero_for_the_rest() -> None:
    kit = Stats("order")
    kit.served("/orders", 201, 12.0)
    kit.served("/orders", 503, 3.0)
    kit.called("payment", 200, 40.0)
    kit.called("payment", None, 900.0)
    kit.published("order.created")
    kit.consumed("payment.declined")
    seen = StatsReport("order", report(kit))
    assert seen.served["/orders"] == 2
    assert seen.served_statuses["/orders"] == {"201": 1, "503": 1}
    assert (seen.calls["payment"], seen.call_errors["payment"]) == (2, 1)
    assert (seen.published["order.created"], seen.consumed["payment.declined"]) == (1, 1)
    assert seen.calls["nobody"] == 0 and seen.served["/nothing"] == 0
    assert seen.route_latency("/orders").count == 2
    assert seen.peer_latency("payment").count == 2
    assert seen.peer_latency("nobody").p50_ms is None


def test_delta_is_what_happened_since_the_baseline() -> None:
    kit = Stats("order")
    for _ in range(5):
        kit.served("/orders", 201, 1000.0)  # slow before the check
    kit.called("payment", 200, 10.0)
    kit.published("order.created")
    before = report(kit)
    for _ in range(3):
        kit.served("/orders", 201, 10.0)  # fast during it
    kit.served("/orders/{id}", 200, 5.0)
    kit.called("inventory", 500, 20.0)
    fetched = iter([report(kit)])
    delta = ServiceStats("order", lambda: next(fetched), before).delta()
    assert dict(delta.served) == {"/orders": 3, "/orders/{id}": 1}
    assert dict(delta.calls) == {"inventory": 1}
    assert delta.call_errors["inventory"] == 1
    assert dict(delta.published) == {}
    latency = delta.route_latency("/orders")
    assert latency.count == 3
    assert latency.p95_ms is not None and latency.p95_ms < 15  # the slow ones are not in it


def test_a_restart_between_baseline_and_now_makes_the_delta_all_it_counted() -> None:
    before = Stats("order")
    for _ in range(4):
        before.served("/orders", 201, 1.0)
    after = Stats("order")  # restarted: counting from zero
    after.served("/orders", 201, 1.0)
    assert StatsReport("order", subtract(after.snapshot(), before.snapshot())).served == {
        "/orders": 1
    }
    assert subtract(after.snapshot(), None) == after.snapshot()


@pytest.mark.parametrize("q", [0.5, 0.95, 0.99])
def test_the_checks_percentile_is_the_kits(q: float) -> None:
    rng = random.Random(3)
    histogram = Histogram()
    for _ in range(2000):
        histogram.add(rng.expovariate(1 / 30))
    assert percentile(histogram.buckets(), q) == kit_percentile(histogram.buckets(), q)


def test_in_flight_is_a_gauge_in_the_delta_and_wait_quiet_waits_for_zero() -> None:
    from workbench.checks.stats import wait_quiet

    before = {"service": "s", "in_flight": 3, "served": {}}
    assert (
        StatsReport("s", subtract({"service": "s", "in_flight": 1, "served": {}}, before)).in_flight
        == 1
    )
    readings = iter([2, 1, 0])
    assert wait_quiet(lambda: {"in_flight": next(readings)}, within=2.0)
    assert not wait_quiet(lambda: {"in_flight": 1}, within=0.1)
