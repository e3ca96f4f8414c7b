"""Exercise timeouts-retries: a slow or failing upstream costs the app's users a bounded wait;
what is safe to repeat is repeated, and nothing is paid twice."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Proxy, described, served

from workbench.checks import Faults

BUDGET_S = 1.5
RECS = "/recommendations/{customer}"
LATE_WORK_S = 0.8
BACKOFF_S = 0.2


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint(
    "Retry a GET that met a 5xx: at most config.attempts tries, with a back-off "
    "that doubles from config.backoff_s."
)
def test_a_get_rides_out_two_failures(proxy: Proxy, faults: Faults) -> None:
    proxy.configure(backoff_s=BACKOFF_S)
    faults.fail_next("recommendations", 2, route="/recommendations")
    response, took = proxy.recommend("ann")
    assert response.status_code == 200, (
        "recommendations failed twice (503) and then worked again, but the customer got "
        f"{described(response)}: retry a GET that met a 5xx (3 tries by default)"
    )
    assert took >= 2 * BACKOFF_S * 0.9, (
        f"recommendations failed twice and the ambassador tried again within {took:.2f} s; with "
        f"config.backoff_s at {BACKOFF_S:g} s it must pause at least that long before each "
        "retry: retrying at once piles onto a service that is already failing"
    )


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint(
    "Pass config.per_try_timeout_s to every send(); when the last try timed "
    "out, answer send.answer(504, ...)."
)
def test_a_slow_upstream_is_answered_504_within_the_budget(proxy: Proxy, faults: Faults) -> None:
    faults.latency("recommendations", 2000, route="/recommendations")
    response, took = proxy.recommend("bea")
    assert took < BUDGET_S, (
        f"recommendations took 2 s to answer and the customer waited {took:.2f} s for "
        f"{described(response)}: give each try config.per_try_timeout_s (0.3 s) and stop "
        f"within the {BUDGET_S:g} s budget"
    )
    assert response.status_code == 504, (
        f"recommendations did not answer within the timeout, and the customer got "
        f"{described(response)}: say so with 504 (gateway timeout)"
    )


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint(
    "A POST without an Idempotency-Key may have been done even when it failed: "
    "send it once, whatever comes back."
)
def test_a_post_without_a_key_is_never_retried(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    payments = stats("payments")
    faults.fail_next("payments", 1, route="/payments")
    response, _ = proxy.pay(f"no-key-{uuid.uuid4().hex[:8]}")
    tries = served(payments.delta(), "/payments")
    assert tries == 1, (
        f"a payment without an Idempotency-Key met a 503; the ambassador sent it {tries} times "
        "in all: without a key, payments cannot tell a repeat from a new payment, so never "
        "repeat it"
    )
    assert response.status_code >= 500, (
        f"the only try of a payment failed with 503, yet the customer got "
        f"{described(response)}: pass the failure on"
    )


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint(
    "A POST with an Idempotency-Key is safe to repeat: retry it like a GET, "
    "with the same request (the same key)."
)
def test_a_post_with_a_key_is_retried(
    proxy: Proxy, faults: Faults, stats: Callable[[str], Any]
) -> None:
    payments = stats("payments")
    faults.fail_next("payments", 2, route="/payments")
    reference = f"key-{uuid.uuid4().hex[:8]}"
    response, _ = proxy.pay(reference, key=f"pay-{reference}")
    assert response.status_code in (200, 201), (
        f"a payment with an Idempotency-Key met two 503s, then payments worked again, but the "
        f"customer got {described(response)} after {served(payments.delta(), '/payments')} "
        "tries: a POST with a key is safe to retry"
    )
    paid = proxy.ledger(reference)
    assert len(paid) == 1, f"the payment {reference} is in the ledger {len(paid)} times, not once"


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint(
    "A try that timed out may still be done: repeat a POST only with its "
    "Idempotency-Key, and send the same key again."
)
def test_a_payment_answered_late_is_paid_once(proxy: Proxy, faults: Faults) -> None:
    # payments does the work and answers 0.8 s late: every try times out, and every try that
    # reached it is paid, unless it carried the key of the first.
    faults.latency("payments", int(LATE_WORK_S * 1000), route="/payments")
    without_key, with_key = f"late-{uuid.uuid4().hex[:8]}", f"late-key-{uuid.uuid4().hex[:8]}"
    answers = proxy.many([lambda: proxy.pay(without_key),
                          lambda: proxy.pay(with_key, key=f"pay-{with_key}")])  # fmt: skip
    sent = time.monotonic()
    # Late work lands up to 0.8 s after the last try was sent (the budget bounds the tries).
    time.sleep(max(0.0, LATE_WORK_S + 0.3 - (time.monotonic() - sent)))
    for reference, (response, _), what in ((without_key, answers[0], "without"),
                                           (with_key, answers[1], "with")):  # fmt: skip
        paid = proxy.ledger(reference)
        assert len(paid) == 1, (
            f"payments was slow (the payment done, its answer 0.8 s late) and the customer got "
            f"{described(response)} for a payment {what} an Idempotency-Key; the ledger shows it "
            f"paid {len(paid)} times: "
            + (
                "a POST without a key must never be repeated"
                if what == "without"
                else "repeat a keyed POST with the same key, so payments recognises it"
            )
        )
        if what == "with":
            keys = {entry["key"] for entry in paid}
            assert keys == {f"pay-{with_key}"}, (
                f"the customer's Idempotency-Key was pay-{with_key}, the ledger shows {keys}: "
                "pass the key on unchanged"
            )


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint(
    "send() raises send.Unreachable when the connection breaks: retry like a 5xx, and after "
    "the last try answer send.answer(502, ...), not an exception."
)
def test_a_dropped_connection_is_answered_502(proxy: Proxy, faults: Faults) -> None:
    faults.reset("recommendations", route="/recommendations")
    response, took = proxy.recommend("cleo")
    assert response.status_code == 502, (
        f"recommendations dropped every connection unanswered, and the customer got "
        f"{described(response)}"
        + (f" ({response.text[:160]})" if response.status_code == 500 else "")
        + ": catch send.Unreachable and answer 502 (bad gateway) when no try got through"
    )
    assert took < BUDGET_S, (
        f"recommendations dropped every connection, and the customer waited {took:.2f} s"
    )


@pytest.mark.exercise("timeouts-retries")
@pytest.mark.hint("A 4xx is the upstream's answer, not a failure: pass it on at once.")
def test_a_4xx_is_never_retried(proxy: Proxy, faults: Faults, stats: Callable[[str], Any]) -> None:
    recommendations = stats("recommendations")
    response, _ = proxy.recommend("ghost-customer")
    tries = served(recommendations.delta(), RECS)
    assert response.status_code == 404, (
        f"recommendations answered 404 for an unknown customer, and the user got "
        f"{described(response)}: pass a 4xx on as it is"
    )
    assert tries == 1, (
        f"recommendations answered 404 and the ambassador asked {tries} times: a 4xx will not "
        "change by asking again"
    )
