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


async def test_in_flight_counts_the_requests_begun_and_not_yet_answered() -> None:
    import asyncio

    kit = ServiceKit(settings=Settings.from_env("upstream", env={"SELF_URL": "http://self"}))
    release = asyncio.Event()

    @kit.app.get("/held")
    async def held() -> dict[str, str]:
        await release.wait()
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as client:
        calls = [asyncio.create_task(client.get("/held")) for _ in range(2)]
        for _ in range(100):
            stats = (await client.get("/_admin/stats")).json()
            if stats["in_flight"] == 2:
                break
            await asyncio.sleep(0.01)
        # Two requests held, none served yet; the stats call itself is an admin call: not counted.
        assert (stats["in_flight"], stats["served"]) == (2, {})
        (await client.delete("/_admin/stats")).raise_for_status()
        assert (await client.get("/_admin/stats")).json()["in_flight"] == 2
        release.set()
        await asyncio.gather(*calls)
        stats = (await client.get("/_admin/stats")).json()
    assert (stats["in_flight"], stats["served"]) == (0, {"/held": {"200": 2}})


async def test_in_flight_ends_also_for_faulted_and_crashed_requests() -> None:
    kit = ServiceKit(settings=Settings.from_env("upstream", env={"SELF_URL": "http://self"}))

    @kit.app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://upstream") as client:
        fault = {"kind": "fail_next", "route": "/boom", "count": 1, "status": 503}
        (await client.post("/_admin/faults", json=fault)).raise_for_status()
        assert (await client.get("/boom")).status_code == 503
        assert (await client.get("/boom")).status_code == 500
        assert (await client.get("/_admin/stats")).json()["in_flight"] == 0
