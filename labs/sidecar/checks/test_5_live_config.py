"""Exercise live-config: a setting changed in config applies within two seconds, to everything
built from it, and without a restart of the ambassador."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import CONFIG_WAIT_S, Proxy, crowd_and_pay, described, full, served

from workbench.checks import Faults


def _put_and_wait(proxy: Proxy, what: str, **settings: Any) -> str:
    """Put `settings` in config (the ambassador finds them by itself); returns its boot id."""
    boot = str(proxy.info()["boot_id"])
    version = proxy.put_config(**settings)
    assert proxy.in_force(version), (
        f"config now says {what}, but the ambassador did not read it within {CONFIG_WAIT_S:g} s"
    )
    return boot


def _same_boot(proxy: Proxy, boot: str, what: str) -> None:
    assert proxy.info()["boot_id"] == boot, (
        f"the ambassador restarted to apply {what}: settings must apply while it runs"
    )


@pytest.mark.exercise("live-config")
@pytest.mark.hint(
    "Read config.per_try_timeout_s and config.attempts from the config of each "
    "call, not from a copy taken earlier."
)
def test_a_shorter_timeout_applies_at_once(proxy: Proxy, faults: Faults) -> None:
    proxy.configure(attempts=1)
    proxy.recommend("warm-up")  # whatever the ambassador builds on its first call, it has now
    boot = _put_and_wait(proxy, "a 0.1 s timeout", per_try_timeout_s=0.1)
    faults.latency("recommendations", 400, route="/recommendations/late")
    response, took = proxy.recommend("late-1")
    assert response.status_code == 504 and took < 0.35, (
        f"config now says a 0.1 s timeout per try, one try; recommendations answers in 0.4 s, "
        f"and the customer got {described(response)} after {took:.2f} s: take the timeout from "
        "this call's config"
    )
    _same_boot(proxy, boot, "a new timeout")


@pytest.mark.exercise("live-config")
@pytest.mark.hint(
    "Compare the failure count with config.breaker_threshold of the call at "
    "hand, not with a threshold kept when the breaker was made."
)
def test_a_lower_breaker_threshold_applies_at_once(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    proxy.configure(attempts=1, breaker_cooldown_s=2.0)
    proxy.recommend("warm-up")
    boot = _put_and_wait(proxy, "a breaker threshold of 2", breaker_threshold=2)
    recs = stats("recommendations")
    faults.fail_next("recommendations", 3, route="/recommendations/cust")
    for n in (1, 2):
        proxy.recommend(f"cust-{n}")
    response, _ = proxy.recommend("cust-3")
    reached = served(recs.delta(), "/recommendations/{customer}")
    assert response.status_code == 503 and response.headers.get("x-circuit") == "open", (
        f"config now says the breaker opens after 2 failures; after 2 failures the next call "
        f"got {described(response)} ({reached} calls reached recommendations): take the "
        "threshold from this call's config"
    )
    _same_boot(proxy, boot, "a new breaker threshold")


@pytest.mark.exercise("live-config")
@pytest.mark.hint(
    "A semaphore keeps the size it was made with: count the calls in flight and "
    "compare with config.bulkhead[upstream] on every call."
)
def test_a_smaller_bulkhead_applies_at_once(proxy: Proxy, faults: Faults) -> None:
    proxy.configure(attempts=1, per_try_timeout_s=5, breaker_threshold=10_000)
    proxy.recommend("warm-up")
    proxy.pay("warm-up-payment", key="warm-up-payment")
    boot = _put_and_wait(proxy, "a bulkhead of 2 for recommendations",
                         bulkhead={"recommendations": 2})  # fmt: skip
    faults.latency("recommendations", 1500, route="/recommendations/slow")
    crowd, _ = crowd_and_pay(proxy, [f"slow-{n}" for n in range(6)], 0)
    admitted = [r for r, _ in crowd if not full(r)]
    assert len(admitted) <= 2, (
        f"config now says a bulkhead of 2 for recommendations (it was 4); of 6 slow calls at "
        f"once {len(admitted)} went through ({', '.join(described(r) for r in admitted)}): "
        "size the bulkhead from this call's config, not from the first one"
    )
    assert admitted and all(r.status_code == 200 for r in admitted), (
        "of 6 slow calls at once none got through a bulkhead of 2"
        if not admitted
        else f"a call in the bulkhead's share got {described(admitted[0])}"
    )
    _same_boot(proxy, boot, "a new bulkhead size")
