"""Latency in the kit's stats: per-route and per-peer histograms and their p50/p95."""

from __future__ import annotations

import random

import httpx
import pytest

from workbench.servicekit import ServiceKit, Settings
from workbench.servicekit.stats import BOUNDS_MS, Histogram, Stats, percentile


def exact(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@pytest.mark.parametrize("q", [0.5, 0.95])
def test_percentile_of_the_histogram_is_within_a_bucket_of_the_exact_one(q: float) -> None:
    rng = random.Random(7)
    samples = [rng.lognormvariate(3, 1) for _ in range(5000)]  # ~20 ms median, long tail
    histogram = Histogram()
    for ms in samples:
        histogram.add(ms)
    found = percentile(histogram.buckets(), q)
    assert found is not None
    assert exact(samples, q) / 1.25 <= found <= exact(samples, q) * 1.25


def test_a_single_duration_reports_inside_its_bucket() -> None:
    histogram = Histogram()
    histogram.add(100.0)
    report = histogram.report()
    assert report["count"] == 1
    assert 100.0 / 1.25 <= report["p50_ms"] <= 100.0 * 1.25
    assert report["p50_ms"] <= report["p95_ms"]


def test_an_empty_histogram_has_no_percentile() -> None:
    assert percentile([], 0.5) is None
    assert Histogram().report() == {"count": 0, "p50_ms": None, "p95_ms": None, "buckets": []}


def test_beyond_the_last_bound_is_the_open_bucket_written_as_null() -> None:
    histogram = Histogram()
    histogram.add(BOUNDS_MS[-1] * 10)
    report = histogram.report()
    assert report["buckets"] == [[BOUNDS_MS[-1], None, 1]]
    assert report["p95_ms"] == round(BOUNDS_MS[-1], 1)


def test_stats_keep_latency_per_route_and_per_peer() -> None:
    stats = Stats("order")
    for ms in (10.0, 10.0, 10.0, 300.0):
        stats.served("/orders", 201, ms)
    stats.called("payment", 200, 40.0)
    stats.called("payment", None, 2000.0)
    stats.served("/nolatency", 200)
    latency = stats.snapshot()["latency"]
    assert set(latency) == {"routes", "peers"}
    orders = latency["routes"]["/orders"]
    assert orders["count"] == 4
    assert 8 <= orders["p50_ms"] <= 12.5
    assert orders["p95_ms"] >= 240
    assert latency["peers"]["payment"]["count"] == 2
    assert "/nolatency" not in latency["routes"]
    stats.reset()
    assert stats.snapshot()["latency"] == {"routes": {}, "peers": {}}


async def test_served_and_called_latency_reach_admin_stats() -> None:
    kit = ServiceKit(settings=Settings.from_env("gateway", env={"SELF_URL": "http://self"}))

    @kit.app.get("/slow")
    async def slow() -> dict[str, str]:
        import asyncio

        await asyncio.sleep(0.05)
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        for _ in range(3):
            assert (await client.get("/slow")).status_code == 200
        stats = (await client.get("/_admin/stats")).json()
    route = stats["latency"]["routes"]["/slow"]
    assert route["count"] == 3
    assert 40 <= route["p50_ms"] <= 125
    assert stats["served"] == {"/slow": {"200": 3}}
