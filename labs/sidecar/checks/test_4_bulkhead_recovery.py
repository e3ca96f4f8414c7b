"""Exercise bulkhead: a share taken by a call is given back however the call ended, so a storm
of timeouts and errors does not leave the bulkhead full for good."""

from __future__ import annotations

import time

import pytest
from conftest import Proxy, described, full

from workbench.checks import Faults

SHARE = 2


@pytest.mark.exercise("bulkhead")
@pytest.mark.hint(
    "Give the share back in a `finally:` — a call that timed out, failed or was cut short "
    "must free its place as surely as one that got a 200."
)
def test_a_share_is_given_back_however_the_call_ended(proxy: Proxy, faults: Faults) -> None:
    # Calls that end badly: two time out, the third times out and opens the breaker, and the
    # next is refused by the open breaker.
    proxy.configure(
        attempts=1,
        per_try_timeout_s=0.2,
        breaker_threshold=3,
        breaker_cooldown_s=0.3,
        bulkhead={"recommendations": SHARE, "payments": 4},
    )
    faults.latency("recommendations", 1000, route="/recommendations")
    for n in range(4):
        proxy.recommend(f"timed-out-{n}")
    faults.undo()
    time.sleep(1.0)  # past the cool-down; the calls the ambassador gave up on are over upstream
    proxy.configure(attempts=1, per_try_timeout_s=3, breaker_threshold=10_000,
                    bulkhead={"recommendations": SHARE, "payments": 4})  # fmt: skip
    probe, _ = proxy.recommend("probe")
    assert probe.status_code == 200, (
        f"recommendations works again and its breaker's cool-down is over, yet a customer got "
        f"{described(probe)}"
    )
    faults.latency("recommendations", 400, route="/recommendations")
    answers = proxy.many([lambda n=n: proxy.recommend(f"after-{n}") for n in range(SHARE)])
    refused = [r for r, _ in answers if full(r)]
    assert not refused, (
        f"after calls that timed out and a breaker that opened and closed again, {SHARE} "
        f"customers asked at once (the bulkhead's share is {SHARE}) and got "
        f"{', '.join(described(r) for r, _ in answers)}: calls that ended badly kept their "
        "places in the bulkhead; give a place back however the call ends"
    )
    others = [r for r, _ in answers if r.status_code != 200]
    assert not others, (
        f"{SHARE} customers asked at once of a recommendations that works (slowly) and got "
        f"{', '.join(described(r) for r, _ in answers)}"
    )
