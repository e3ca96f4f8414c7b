"""Exercise retries, beyond the happy retry: outages that last, and outages met while turning back.

Every check here judges the books, whatever the saga decided: an APPROVED order has its stock
taken, its money charged once and its parcel on the way; a REJECTED one has its stock back, no
money taken and no parcel. A saga may choose either way where both are honest.
"""

from __future__ import annotations

import time

import pytest
from conftest import Shop, cents

from workbench.checks import eventually

SLOW_MS = 800  # longer than the order service's 0.5 s step timeout: done, but answered late
FAILURES = 6  # one more than the five attempts the exercise suggests for a forward step
UNDELIVERABLE = "1 Harbour Road, Atlantis"  # shipping refuses it (409): a final no


def _books_balance(shop: Shop, oid: int, sku: str, stock: int, qty: int, amount: int,
                   what: str) -> dict[str, object]:
    order = shop.wait_final([oid], context=f"{what}, ")[oid]
    net, shipped = shop.net_charged(oid), shop.shipment(oid) is not None
    available = shop.stock(sku)["available"]
    if order["status"] == "APPROVED":
        finished = net == amount and shipped and available == stock - qty
        assert finished, (
            f"{what}, order {oid} is APPROVED but the customer paid {cents(net)} of "
            f"{cents(amount)}, shipped={shipped} and {sku} has {available} of {stock} units "
            f"available (want {stock - qty}): an approved order is charged once and shipped"
        )
    else:
        undone = net == 0 and not shipped and available == stock
        assert undone, (
            f"{what}, order {oid} is REJECTED but the customer is out of {cents(net)}, "
            f"shipped={shipped} and {sku} has {available} of {stock} units available: a rejected "
            "order gives back every unit and every cent"
        )
    shop.notified(oid, str(order["status"]).lower())
    return order


@pytest.mark.exercise("retries")
@pytest.mark.hint("A 503 from payment means the charge did not go through yet: retry it, and "
                  "only refund what payment really took.")
def test_a_payment_outage_never_refunds_money_that_was_not_taken(
    shop: Shop, faults: object
) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.fail_next("payment", 5, route="/charges")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=2200)
    _books_balance(shop, oid, sku, 3, 1, 2200, "after five 503 answers from payment")
    refunds, charges = shop.refunds(oid), shop.charges(oid)
    assert len(refunds) <= len(charges), (
        f"order {oid}: payment refunded {len(refunds)} time(s) but charged only "
        f"{len(charges)} time(s): a 503 means the charge did not happen, and payment pays out "
        "any refund you ask for"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("Compensations meet outages too: retry a refund until it gets through (with the "
                  "same key), never drop it, and never stop after a fixed number of attempts "
                  "while the deadline allows more.")
def test_a_refund_that_meets_an_outage_is_retried(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(2), shop.new_customer()
    # More failures than a forward step's attempts: a compensation has nothing to fall back on,
    # so it keeps trying while the saga deadline leaves time. Shipping refuses the address at
    # once, so nearly the whole deadline is left for turning back.
    faults.fail_next("payment", FAILURES, route="/refunds")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, qty=1, amount_cents=1800, address=UNDELIVERABLE)
    order = shop.wait_final([oid], context=f"with the address undeliverable and the refund "
                                           f"failing {FAILURES} times, ")[oid]
    assert order["status"] == "REJECTED", f"order {oid} ended {order['status']}"
    net = shop.net_charged(oid)
    assert net == 0, (
        f"order {oid} is REJECTED, but the customer is out of {cents(net)}: payment answered the "
        f"refund with 503 {FAILURES} times in a row and the refund was dropped. A compensation "
        "must get through: retry it with back-off until the saga deadline"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("Compensations meet outages too: retry a release until it gets through, never "
                  "drop it, and never stop after a fixed number of attempts while the deadline "
                  "allows more.")
def test_a_release_that_meets_an_outage_is_retried(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(2), shop.new_customer()
    faults.fail_next("inventory", FAILURES, route="/reservations/")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, qty=1, amount_cents=1800, address=UNDELIVERABLE)
    order = shop.wait_final([oid], context=f"with the address undeliverable and the release "
                                           f"failing {FAILURES} times, ")[oid]
    assert order["status"] == "REJECTED", f"order {oid} ended {order['status']}"
    available = shop.stock(sku)["available"]
    assert available == 2, (
        f"order {oid} is REJECTED but {sku} has {available} of its 2 units available: inventory "
        f"answered the release with 503 {FAILURES} times in a row and it was never tried again. "
        "A compensation must get through: retry it with back-off until the saga deadline"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("A refund is retried like a charge: with one key per order, the same on every "
                  "attempt.")
def test_a_refund_that_timed_out_is_not_paid_twice(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(2), shop.new_customer()
    faults.error_rate("shipping", 1.0, route="/shipments")  # type: ignore[attr-defined]
    faults.latency("payment", SLOW_MS, route="/refunds")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=2700)
    eventually(lambda: shop.refunds(oid) or not shop.order(oid)["saga_open"], within=8.0,
               message=f"order {oid} was never refunded although shipping was down")
    shop.lift_faults("payment")
    shop.wait_final([oid], context="after a refund that timed out, ")
    refunds = shop.refunds(oid)
    total = sum(r["amount_cents"] for r in refunds)
    assert total == 2700, (
        f"order {oid} paid 27.00 and was refunded {cents(total)} in {len(refunds)} refund(s): "
        "the first refund went through, only its answer was late, and the retry paid again. "
        "Send the same Idempotency-Key on every refund attempt"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("After the last retry of a step that timed out, its outcome is unknown: ask "
                  "(repeat it with the same key) before you decide, and refund only a charge "
                  "that happened.")
def test_a_charge_that_kept_timing_out_is_settled(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    declined_sku, declined = shop.new_sku(3), shop.new_customer(credit_limit_cents=1000)
    faults.latency("payment", SLOW_MS, route="/charges")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=4100)
    # Over its credit limit: payment declines this card, but that answer is late too.
    no = shop.place(declined, declined_sku, amount_cents=3300)
    # Payment takes the money (or declines) on the first attempt; every answer is late for a
    # while, long enough for a saga to run out of forward retries, then payment is quick again.
    eventually(lambda: shop.charges(oid), within=3.0,
               message=f"order {oid} never reached payment: reserve, then charge")
    time.sleep(shop.deadline_s * 0.55)
    shop.lift_faults("payment")
    _books_balance(shop, oid, sku, 3, 1, 4100, "after payment answered every charge too late "
                                               "for a few seconds")
    order = _books_balance(shop, no, declined_sku, 3, 1, 3300,
                           "after payment declined a card but answered too late for a few seconds")
    assert order["status"] == "REJECTED", (
        f"order {no} of 33.00 over a 10.00 credit limit ended {order['status']}"
    )
    refunds = shop.refunds(no)
    assert not refunds, (
        f"order {no}'s card was declined (only the answer came late), yet payment refunded "
        f"{cents(sum(r['amount_cents'] for r in refunds))}: payment pays out any refund you ask "
        "for. Learn the charge's outcome (repeat it with the same key) before refunding"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("A reservation whose answer never came may still hold the units: release it "
                  "when you turn back (release is safe even if nothing was reserved).")
def test_a_reservation_that_kept_timing_out_is_settled(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.latency("inventory", SLOW_MS, route="/reservations")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, qty=2, amount_cents=1900)
    eventually(lambda: shop.reservation(oid), within=3.0,
               message=f"order {oid} never reached inventory: reserve first")
    time.sleep(shop.deadline_s * 0.55)
    shop.lift_faults("inventory")
    _books_balance(shop, oid, sku, 3, 2, 1900, "after inventory answered every reservation too "
                                               "late for a few seconds")


@pytest.mark.exercise("retries")
@pytest.mark.hint("When ship() keeps timing out, look the shipment up (shipping.lookup) before "
                  "turning back: the parcel may have left.")
def test_a_shipper_that_stays_slow_does_not_undo_a_parcel_that_left(
    shop: Shop, faults: object
) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.latency("shipping", SLOW_MS, route="/shipments")  # type: ignore[attr-defined]
    # The first lookup meets a blip too: one 503 is no proof that no parcel left.
    faults.fail_next("shipping", 1, route="/orders/")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=2600)
    order = shop.wait_final([oid], context="with every ship call answered too late and the "
                                           "first lookup answered 503, ")[oid]
    shipped = shop.shipment(oid) is not None
    net = shop.net_charged(oid)
    assert shipped, f"order {oid} never reached shipping: reserve, charge, then ship"
    went_forward = order["status"] == "APPROVED" and net == 2600
    assert went_forward, (
        f"order {oid}'s parcel left on the first ship call (only every answer came too late), "
        f"but the order ended {order['status']} with {cents(net)} of 26.00 charged: before "
        "turning back at the pivot, find out whether the parcel left (a lookup that answers "
        "503 knows nothing yet: ask again)"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("An idempotency key names one charge: one per order and step, never one per "
                  "customer.")
def test_a_customers_second_order_is_charged_too(shop: Shop) -> None:
    sku, customer = shop.new_sku(4), shop.new_customer()
    first = shop.place(customer, sku, amount_cents=1500)
    shop.wait_final([first])
    second = shop.place(customer, sku, amount_cents=2100)
    order = shop.wait_final([second])[second]
    net = shop.net_charged(second)
    charged = order["status"] == "APPROVED" and net == 2100
    assert charged, (
        f"the customer's second order {second} ended {order['status']} with {cents(net)} of "
        "21.00 charged: payment answered its charge with the first order's result. An "
        "idempotency key must name one order's charge"
    )


@pytest.mark.exercise("retries")
@pytest.mark.hint("Asking whether a charge happened is part of turning back: keep asking until "
                  "the saga deadline, like a refund.")
def test_a_payment_outage_that_outlasts_the_forward_retries_is_settled(
    shop: Shop, faults: object
) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    faults.error_rate("payment", 1.0, route="/charges")  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, amount_cents=2300)
    # Down for half the saga deadline: longer than any forward retries, shorter than the saga.
    time.sleep(shop.deadline_s * 0.5)
    shop.lift_faults("payment")
    _books_balance(shop, oid, sku, 3, 1, 2300, "after payment answered every charge with 503 for "
                                               f"{shop.deadline_s * 0.5:g} s")
