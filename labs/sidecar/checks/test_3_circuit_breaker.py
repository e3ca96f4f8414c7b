"""Exercise circuit-breaker: an upstream that keeps failing is left alone for a while, and its
users get a fast no instead of a slow one; one probe decides when to try again."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import Proxy, described, served

from workbench.checks import Faults

RECS = "/recommendations/{customer}"
THRESHOLD = 5
COOL_DOWN_S = 0.5
FAST_S = 0.15
# The exercise asks for an answer at once (under 50 ms on an idle machine); the check allows
# 150 ms for a loaded one (Docker under a parallel test run measured 65 ms). That the open
# breaker calls nobody is checked apart, by the upstream's served count.
OPEN_FOR_S = 2.0
"""Long enough to judge an open breaker; short enough that a breaker which keeps the cool-down it
opened with still closes after the check."""


def is_open(response: httpx.Response) -> bool:
    return response.status_code == 503 and response.headers.get("x-circuit") == "open"


def _fail_until_open(proxy: Proxy, recs: Any, what: str) -> None:
    """THRESHOLD calls that fail (the fault is the check's); each must still reach the upstream."""
    for n in range(1, THRESHOLD + 1):
        response, _ = proxy.recommend(f"cust-{n}")
        reached = served(recs.delta(), RECS)
        assert reached == n and not is_open(response), (
            f"{what}: after {n - 1} consecutive failures, call {n} got {described(response)} and "
            f"recommendations has seen {reached} calls: the breaker opens after "
            f"{THRESHOLD} consecutive failures (config.breaker_threshold), not before"
        )


def _judge_open(proxy: Proxy, recs: Any, what: str) -> None:
    before = served(recs.delta(), RECS)
    took = []
    for n in range(3):
        response, seconds = proxy.recommend(f"open-{n}")
        took.append(seconds)
        assert is_open(response), (
            f"{what}; the next call got {described(response)}: the breaker must be open, "
            "answering 503 with X-Circuit: open"
        )
    # The fastest of three: a busy machine may slow one answer, not an open breaker's every one.
    assert min(took) < FAST_S, (
        f"{what}; an open breaker answered in {min(took) * 1000:.0f} ms at best: it must answer "
        f"at once (under {FAST_S * 1000:.0f} ms), without calling the upstream"
    )
    reached = served(recs.delta(), RECS) - before
    assert reached == 0, (
        f"{what}; while the breaker was open, recommendations still got {reached} calls: an open "
        "breaker calls nobody"
    )


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint(
    "Count consecutive failures per upstream; at config.breaker_threshold answer "
    "send.answer(503, ..., {'X-Circuit': 'open'}) without calling."
)
def test_five_failures_open_the_breaker(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    proxy.configure(attempts=1, breaker_threshold=THRESHOLD, breaker_cooldown_s=OPEN_FOR_S)
    recs = stats("recommendations")
    faults.error_rate("recommendations", 1.0, route="/recommendations")
    _fail_until_open(proxy, recs, "recommendations fails every call")
    _judge_open(proxy, recs, f"recommendations failed {THRESHOLD} calls in a row")
    reference = f"beside-{uuid.uuid4().hex[:8]}"
    response, _ = proxy.pay(reference, key=f"pay-{reference}")
    assert response.status_code in (200, 201), (
        f"the recommendations breaker is open; a payment got {described(response)}: each "
        "upstream has its own breaker, and payments works"
    )


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint(
    "After config.breaker_cooldown_s let one call through (half-open): its failure "
    "opens the breaker again, its success closes it."
)
def test_after_the_cool_down_one_probe_decides(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    proxy.configure(attempts=1, breaker_threshold=THRESHOLD, breaker_cooldown_s=COOL_DOWN_S)
    recs = stats("recommendations")
    faults.fail_next("recommendations", THRESHOLD + 1, route="/recommendations")
    _fail_until_open(proxy, recs, "recommendations failed its next calls")
    time.sleep(COOL_DOWN_S + 0.1)
    probe, _ = proxy.recommend("probe-1")
    reached = served(recs.delta(), RECS)
    assert reached == THRESHOLD + 1, (
        f"the breaker opened, and {COOL_DOWN_S:g} s later (the cool-down) a call got "
        f"{described(probe)} without reaching recommendations: after the cool-down, let one "
        "call through to see whether the upstream is back"
    )
    _judge_open(proxy, recs, "after the cool-down, the one probe failed")
    time.sleep(COOL_DOWN_S + 0.1)
    probe, _ = proxy.recommend("probe-2")
    assert probe.status_code == 200, (
        f"recommendations is back, and after the second cool-down the probe got "
        f"{described(probe)}: a probe goes through, and its success closes the breaker"
    )
    faults.fail_next("recommendations", THRESHOLD - 1, route="/recommendations")
    before = served(recs.delta(), RECS)
    for n in range(1, THRESHOLD + 1):
        response, _ = proxy.recommend(f"closed-{n}")
        reached = served(recs.delta(), RECS) - before
        assert reached == n, (
            f"the probe succeeded, so the breaker is closed; then {n - 1} calls failed and call "
            f"{n} got {described(response)} without reaching recommendations: a closed breaker "
            f"counts {THRESHOLD} new failures before it opens again"
        )
    assert response.status_code == 200, (
        f"after {THRESHOLD - 1} failures recommendations works again, and the customer got "
        f"{described(response)}"
    )


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint(
    "Half-open means one probe: while it is under way, the other calls are still refused."
)
def test_half_open_lets_one_probe_through_not_all(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    proxy.configure(attempts=1, per_try_timeout_s=2, breaker_threshold=THRESHOLD,
                    breaker_cooldown_s=COOL_DOWN_S)  # fmt: skip
    recs = stats("recommendations")
    faults.fail_next("recommendations", THRESHOLD, route="/recommendations")
    _fail_until_open(proxy, recs, "recommendations failed its next calls")
    time.sleep(COOL_DOWN_S + 0.1)
    # recommendations is back but slow: the probe is still under way when the others arrive.
    faults.latency("recommendations", 400, route="/recommendations")
    answers = proxy.many([lambda n=n: proxy.recommend(f"together-{n}") for n in range(3)])
    reached = served(recs.delta(), RECS) - THRESHOLD
    through = [r for r, _ in answers if not is_open(r)]
    assert reached == 1 and len(through) == 1, (
        f"after the cool-down three calls arrived together while recommendations answered "
        f"slowly: {reached} reached it and the customers got "
        f"{', '.join(described(r) for r, _ in answers)}: half-open lets one probe through; "
        "the others are refused until it has decided"
    )


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint(
    "A 404 is an answer from a working upstream: it is no failure, and it resets "
    "the count like a 200."
)
def test_404s_never_trip_the_breaker(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    proxy.configure(attempts=1, breaker_threshold=THRESHOLD, breaker_cooldown_s=OPEN_FOR_S)
    recs = stats("recommendations")
    for n in range(1, THRESHOLD + 3):
        response, _ = proxy.recommend(f"ghost-{n}")
        assert response.status_code == 404 and served(recs.delta(), RECS) == n, (
            f"recommendations answered 404 to {n - 1} calls for unknown customers, and call {n} "
            f"got {described(response)}: a 404 is an answer, not a failure of the upstream"
        )
    response, _ = proxy.recommend("ann")
    assert response.status_code == 200, (
        f"after {THRESHOLD + 2} answers of 404 a known customer got {described(response)}: "
        "404s must not open the breaker"
    )
