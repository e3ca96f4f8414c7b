"""Exercise bulkhead: a slow upstream takes only its own share of the ambassador; calls to the
others go on at their usual speed, and the calls over the slow one's share are refused at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Proxy, crowd_and_pay, described, full, p95, served

from workbench.checks import Faults

SHARE = 4
CROWD = 20
SLOW_MS = 2000
PAYMENTS_P95_S = 0.3
"""The target on a quiet machine. A busy one (checks beside other work, Docker) slows every
call; what must never happen is a payment waiting behind a slow call, which costs seconds. So
the limit is the payments' own p95 measured just before the crowd, three times over, between
PAYMENTS_P95_S and WAITED_S."""
WAITED_S = SLOW_MS / 1000 / 2
"""Half the slow calls' time: an answer this late has waited behind one of them."""


@pytest.mark.exercise("bulkhead")
@pytest.mark.hint(
    "Count the calls in flight per upstream; with config.bulkhead[upstream] in "
    "flight, answer send.answer(503, ..., {'X-Bulkhead': 'full'}) at once."
)
def test_a_slow_upstream_takes_only_its_share(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    # Long tries and a breaker out of the way: only the bulkhead stands between the crowd and
    # the proxy's 8 slots.
    proxy.configure(attempts=1, per_try_timeout_s=5, breaker_threshold=10_000,
                    bulkhead={"recommendations": SHARE, "payments": SHARE})  # fmt: skip
    recs = stats("recommendations")
    _, alone = crowd_and_pay(proxy, [], 5)
    limit = min(WAITED_S, max(PAYMENTS_P95_S, 3 * p95([t for _, t in alone])))
    faults.latency("recommendations", SLOW_MS, route="/recommendations")
    crowd, paid = crowd_and_pay(proxy, [f"crowd-{n}" for n in range(CROWD)], 10)

    failed = [r for r, _ in paid if r.status_code not in (200, 201)]
    assert not failed, (
        f"while recommendations was slow (2 s) under {CROWD} calls at once, {len(failed)} of "
        f"10 payments failed, first {described(failed[0])}: payments has its own share of the "
        "ambassador"
    )
    slow = p95([t for _, t in paid])
    assert slow < limit, (
        f"while recommendations was slow (2 s) under {CROWD} calls at once, payments took "
        f"{slow * 1000:.0f} ms (p95): they waited behind the slow calls; give each upstream its "
        f"own bulkhead so payments stay under {limit * 1000:.0f} ms"
    )
    refused = [(r, t) for r, t in crowd if full(r)]
    others = [r for r, _ in crowd if not full(r) and r.status_code != 200]
    assert not others, (
        f"of {CROWD} calls at once to a slow recommendations, one got {described(others[0])}: "
        f"each gets 200 (the first {SHARE}, the bulkhead's share) or 503 with X-Bulkhead: full"
    )
    admitted = CROWD - len(refused)
    assert 1 <= admitted <= SHARE, (
        f"{CROWD} calls at once to a slow recommendations with a bulkhead of {SHARE}: "
        f"{admitted} went through and {len(refused)} were refused: refuse every call over the "
        f"share of {SHARE} (config.bulkhead['recommendations'])"
    )
    late = [t for _, t in refused if t >= WAITED_S]
    assert not late, (
        f"{len(late)} of the refused calls waited {max(late):.2f} s before their 503: refuse "
        "at once, do not queue a call for a full bulkhead"
    )
    reached = served(recs.delta(), "/recommendations/{customer}")
    assert reached <= SHARE, (
        f"recommendations got {reached} calls from a crowd of {CROWD} with a bulkhead of "
        f"{SHARE}: the calls over the share must not reach it"
    )
