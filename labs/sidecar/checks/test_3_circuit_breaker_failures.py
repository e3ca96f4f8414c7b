"""Exercise circuit-breaker: what counts as a failure (an answer that never came, an upstream that
cannot be reached), what resets the count, and a half-open breaker that lets one probe out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import Proxy, described, served

from workbench.checks import Faults

RECS = "/recommendations/{customer}"
THRESHOLD = 5
OPEN_FOR_S = 2.0
FAST_S = 0.15
# The exercise asks for an answer at once (under 50 ms on an idle machine); the check allows
# 150 ms for a loaded one (Docker under a parallel test run measured 65 ms). That the open
# breaker calls nobody is checked apart, by the upstream's served count.
TIMEOUT_S = 0.2


def _is_open(response: httpx.Response) -> bool:
    return response.status_code == 503 and response.headers.get("x-circuit") == "open"


def _judge_open_now(proxy: Proxy, what: str) -> None:
    answers = [proxy.recommend(f"after-{n}") for n in range(3)]
    closed = [r for r, _ in answers if not _is_open(r)]
    assert not closed, (
        f"{what}; the next call got {described(closed[0])}: that is {THRESHOLD} failures in a "
        "row, so the breaker must be open (503 with X-Circuit: open)"
    )
    fastest = min(t for _, t in answers)
    assert fastest < FAST_S, (
        f"{what}; the open breaker answered in {fastest * 1000:.0f} ms at best: it must "
        f"answer at once (under {FAST_S * 1000:.0f} ms)"
    )


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint(
    "A try that got no answer in time is a failure of the upstream, like a 503: count it."
)
def test_answers_that_never_come_open_the_breaker(proxy: Proxy, faults: Faults) -> None:
    proxy.configure(attempts=1, per_try_timeout_s=TIMEOUT_S, breaker_threshold=THRESHOLD,
                    breaker_cooldown_s=OPEN_FOR_S)  # fmt: skip
    faults.latency("recommendations", 1500, route="/recommendations")
    for n in range(THRESHOLD):
        response, _ = proxy.recommend(f"slow-{n}")
        assert response.status_code == 504, (
            f"recommendations takes 1.5 s and a try may take {TIMEOUT_S} s; call {n + 1} got "
            f"{described(response)}, not 504"
        )
    _judge_open_now(proxy, f"recommendations let {THRESHOLD} calls in a row time out")


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint("Consecutive failures: a success in between starts the count again from zero.")
def test_a_success_in_between_starts_the_count_again(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    proxy.configure(attempts=1, breaker_threshold=THRESHOLD, breaker_cooldown_s=OPEN_FOR_S)
    recs = stats("recommendations")
    calls = 0
    for burst in range(2):
        faults.fail_next("recommendations", THRESHOLD - 1, route="/recommendations")
        for n in range(THRESHOLD):  # THRESHOLD - 1 failures, then one that works
            response, _ = proxy.recommend(f"burst{burst}-{n}")
            calls += 1
            reached = served(recs.delta(), RECS)
            assert reached == calls, (
                f"recommendations failed {THRESHOLD - 1} calls, answered the next, then failed "
                f"{THRESHOLD - 1} again: never {THRESHOLD} in a row; yet call {calls} got "
                f"{described(response)} without reaching it: the breaker counts consecutive "
                "failures, and a success starts the count again"
            )
        assert response.status_code == 200, (
            f"after {THRESHOLD - 1} failures recommendations works again, and the customer got "
            f"{described(response)}"
        )


@pytest.mark.exercise("circuit-breaker")
@pytest.mark.hint(
    "Half-open means one probe: while it is out, every other call is answered 503 "
    "(X-Circuit: open) at once."
)
def test_while_the_probe_is_out_the_others_are_refused(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    cool_down = 0.5
    proxy.configure(attempts=1, per_try_timeout_s=3, breaker_threshold=THRESHOLD,
                    breaker_cooldown_s=cool_down)  # fmt: skip
    recs = stats("recommendations")
    faults.fail_next("recommendations", THRESHOLD, route="/recommendations")
    for n in range(THRESHOLD):
        proxy.recommend(f"open-{n}")
    time.sleep(cool_down + 0.1)
    # The probe will take a while (the upstream is slow, but it answers): six customers ask at
    # once, and only one of them may be let through to find out.
    faults.latency("recommendations", 600, route="/recommendations")
    before = served(recs.delta(), RECS)
    answers = proxy.many([lambda n=n: proxy.recommend(f"half-open-{n}") for n in range(6)])
    reached = served(recs.delta(), RECS) - before
    assert reached == 1, (
        f"after the cool-down six customers asked at once and {reached} calls reached "
        f"recommendations ({', '.join(described(r) for r, _ in answers)}): half-open lets one "
        "probe through; the others are refused until it is back"
    )
    refused = [r for r, _ in answers if _is_open(r)]
    assert len(refused) == 5, (
        f"while the one probe was out, the other customers got "
        f"{', '.join(described(r) for r, _ in answers)}: they must get 503 with X-Circuit: open"
    )
