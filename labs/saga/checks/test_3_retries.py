"""Exercise retries: temporary failures are retried, and a retry never does a step twice."""

from __future__ import annotations

import time

import pytest
from conftest import Shop, cents

from workbench.checks import eventually

# Longer than the order service's step timeout (STEP_TIMEOUT_S, 0.5 s): the participant does
# the work, but its answer comes too late and the orchestrator sees a timeout.
SLOW_MS = 800
# A participant restarting: shorter than exponential back-off over five attempts (0.75 s).
OUTAGE_S = 0.45


@pytest.mark.exercise("retries")
@pytest.mark.hint("Catch saga.Unavailable and try again after a short pause (50 ms, 100 ms, ...).")
def test_temporary_errors_are_retried(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.fail_next("inventory", 1, route="/reservations")  # type: ignore[attr-defined]
    faults.fail_next("payment", 2, route="/charges")  # type: ignore[attr-defined]
    faults.fail_next("shipping", 1, route="/shipments")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku)
    order = shop.wait_final([oid], context="after one 503 from inventory, two from payment and "
                                           "one from shipping, ")[oid]
    assert order["status"] == "APPROVED", (
        f"order {oid} ended {order['status']} ({order['reason']}) after a few 503 answers: a 503 "
        "is 'not now', not 'no'. Retry Unavailable steps with back-off before giving up"
    )
    charges = shop.charges(oid)
    assert len(charges) == 1, f"order {oid} was charged {len(charges)} times instead of once"


@pytest.mark.exercise("retries")
@pytest.mark.hint("Pick the idempotency key once per order and step (f\"charge-{order.id}\") and "
                  "send it on every attempt.")
def test_a_charge_that_timed_out_is_not_charged_twice(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.latency("payment", SLOW_MS, route="/charges")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=2500)
    # Payment took the money; only its answer was late. Now let it answer in time again.
    eventually(lambda: shop.charges(oid), within=3.0,
               message=f"order {oid} never reached payment: reserve, then charge")
    shop.lift_faults("payment")
    order = shop.wait_final([oid], context="after a charge that timed out, ")[oid]
    charges = shop.charges(oid)
    assert len(charges) == 1, (
        f"order {oid} of 25.00 was charged {len(charges)} times "
        f"({cents(sum(c['amount_cents'] for c in charges))} in total): the first charge went "
        "through, only its answer came too late, and the retry charged again. Send the same "
        "Idempotency-Key (key=...) on every attempt, so payment answers the retry from memory"
    )
    assert order["status"] == "APPROVED", (
        f"order {oid} ended {order['status']} ({order['reason']}) after one slow answer from "
        "payment: a timeout means 'I do not know yet', so retry it (with the same key)"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("A timeout at the pivot may hide a parcel that left: retry ship() (one shipment "
                  "per order) or look it up before you turn back.")
def test_a_timeout_at_the_pivot_does_not_undo_a_parcel_that_left(
    shop: Shop, faults: object
) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.latency("shipping", SLOW_MS, route="/shipments")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=3000)
    eventually(lambda: shop.shipment(oid), within=3.0,
               message=f"order {oid} never reached shipping: reserve, charge, then ship")
    shop.lift_faults("shipping")
    order = shop.wait_final([oid], context="after a ship call that timed out, ")[oid]
    net = shop.net_charged(oid)
    went_forward = order["status"] == "APPROVED" and net == 3000
    assert went_forward, (
        f"order {oid}'s parcel has left (shipping scheduled it; only the answer was late), but "
        f"the order ended {order['status']} with {cents(net)} of 30.00 charged: past the pivot a "
        "saga can only go forward. Retry the ship call instead of compensating"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("Back off exponentially (50 ms, 100 ms, 200 ms, 400 ms): retries spaced out "
                  "like that span a participant's restart; retries in a tight loop do not.")
def test_a_restart_of_shipping_is_ridden_out(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.error_rate("shipping", 1.0, route="/shipments")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=1700)
    # The ship call follows the charge at once: from there shipping is down for OUTAGE_S, as
    # while it restarts, then answers again.
    eventually(lambda: shop.charges(oid) or not shop.order(oid)["saga_open"], within=3.0,
               interval=0.01, message=f"order {oid} never reached payment: reserve, then charge")
    time.sleep(OUTAGE_S)
    shop.lift_faults("shipping")
    order = shop.wait_final([oid], context=f"after shipping was down for {OUTAGE_S:g} s, ")[oid]
    assert order["status"] == "APPROVED", (
        f"order {oid} ended {order['status']} ({order['reason']}) because shipping was down for "
        f"{OUTAGE_S:g} s, as long as a restart takes: the retries were spent before it came back. "
        "Space them out with exponential back-off (50, 100, 200, 400 ms: 0.75 s over five "
        "attempts) so they outlast a short outage"
    )
