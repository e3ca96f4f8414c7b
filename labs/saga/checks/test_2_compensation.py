"""Exercise compensation: a failure at each step in turn leaves no trace but a REJECTED order."""

from __future__ import annotations

import pytest
from conftest import Shop, cents


def _rejected(shop: Shop, oid: int, cause: str) -> dict[str, object]:
    order = shop.wait_final([oid])[oid]
    assert order["status"] == "REJECTED", (
        f"order {oid} ended {order['status']} although {cause}: the saga must turn back and "
        "reject it"
    )
    return order


@pytest.mark.exercise("compensation")
@pytest.mark.hint("A step that failed never happened: nothing to undo for it, or after it.")
def test_out_of_stock_is_rejected_without_touching_the_money(shop: Shop) -> None:
    sku, customer = shop.new_sku(0), shop.new_customer()
    oid = shop.place(customer, sku)
    _rejected(shop, oid, f"{sku} is out of stock")
    ledger = shop.ledger(oid)
    assert not ledger, (
        f"order {oid} failed at its first step (out of stock), yet payment shows "
        + ", ".join(f"a {e['kind']} of {cents(e['amount_cents'])}" for e in ledger)
        + ": when the first step fails, nothing may be charged, and nothing refunded"
    )
    assert shop.shipment(oid) is None, f"order {oid} was out of stock but shipping sent a parcel"
    shop.notified(oid, "rejected")


@pytest.mark.exercise("compensation")
@pytest.mark.hint("Undo only what happened: the reserve did (release it); the declined charge "
                  "did not.")
def test_a_declined_card_releases_the_stock_and_refunds_nothing(shop: Shop) -> None:
    sku, customer = shop.new_sku(4), shop.new_customer(credit_limit_cents=1000)
    oid = shop.place(customer, sku, qty=3, amount_cents=2500)
    _rejected(shop, oid, "the card was declined (25.00 over a 10.00 credit limit)")
    refunds = shop.refunds(oid)
    assert not refunds, (
        f"order {oid} was never charged (the card was declined) but payment refunded "
        f"{cents(sum(r['amount_cents'] for r in refunds))}: a refund for a charge that never "
        "happened is money given away. Compensate only the steps that succeeded"
    )
    stock = shop.stock(sku)
    assert stock["available"] == 4, (
        f"order {oid} is REJECTED but {sku} has {stock['available']} of its 4 units available: "
        "the 3 units reserved for it were never released"
    )
    assert shop.shipment(oid) is None, f"order {oid} was declined but shipping sent a parcel"
    shop.notified(oid, "rejected")


@pytest.mark.exercise("compensation")
@pytest.mark.hint("Compensate newest first: the charge came after the reserve, so refund, then "
                  "release.")
def test_a_shipping_outage_refunds_then_releases(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(2), shop.new_customer()
    # Every shipping call fails, the lookup of a shipment too: nothing tells the saga whether a
    # parcel left, and none did.
    faults.error_rate("shipping", 1.0)  # type: ignore[attr-defined]
    oid = shop.place(customer, sku, qty=2, amount_cents=4000)
    _rejected(shop, oid, "shipping was down the whole time (every call answered 503)")
    shop.lift_faults("shipping")  # to read what shipping recorded
    assert shop.shipment(oid) is None, f"order {oid} is REJECTED but shipping has its shipment"
    charges, refunds = shop.charges(oid), shop.refunds(oid)
    charged = sum(c["amount_cents"] for c in charges)
    refunded = sum(r["amount_cents"] for r in refunds)
    assert charged == refunded, (
        f"order {oid} is REJECTED but the customer was charged {cents(charged)} and refunded "
        f"{cents(refunded)}: every charge of a rejected order needs its refund"
    )
    stock = shop.stock(sku)
    assert stock["available"] == 2, (
        f"order {oid} is REJECTED but {sku} has {stock['available']} of its 2 units available: "
        "release the reservation when the saga turns back"
    )
    reservation = shop.reservation(oid)
    if charges and refunds and reservation and reservation.get("released_at"):
        assert refunds[-1]["at"] < reservation["released_at"], (
            f"order {oid}: the stock was released before the charge was refunded. Compensate "
            "in reverse order (refund, then release): for a moment the units were back on sale "
            "while this customer still paid for them"
        )
    shop.notified(oid, "rejected")
