"""Exercise happy-path: an order with stock, credit and a working shipper goes all the way."""

from __future__ import annotations

import pytest
from conftest import Shop, cents


@pytest.mark.exercise("happy-path")
@pytest.mark.hint("Reserve the stock, charge the card, ship, then saga.approve().")
def test_an_order_that_can_be_served_is_approved_with_every_step_done(shop: Shop) -> None:
    sku, customer = shop.new_sku(5), shop.new_customer()
    oid = shop.place(customer, sku, qty=2, amount_cents=2500)
    order = shop.wait_final([oid])[oid]
    assert order["status"] == "APPROVED", (
        f"order {oid} (2 of the 5 {sku} in stock, 25.00 well within the customer's credit) ended "
        f"{order['status']} ({order['reason']}): an order every service can serve must be APPROVED"
    )
    stock = shop.stock(sku)
    assert stock["available"] == 3, (
        f"order {oid} for 2 units is APPROVED but {sku} still has {stock['available']} of 5 "
        "available: the stock was never reserved. Call inventory.reserve before charging"
    )
    charges = shop.charges(oid)
    amounts = [c["amount_cents"] for c in charges]
    assert amounts == [2500], (
        f"order {oid} of 25.00 should be charged once, 25.00; the ledger shows "
        f"{len(amounts)} charge(s): {', '.join(cents(a) for a in amounts) or 'none'}"
    )
    assert not shop.refunds(oid), f"order {oid} is APPROVED yet payment refunded it"
    assert shop.shipment(oid) is not None, (
        f"order {oid} is APPROVED but shipping has no shipment for it: ship before approving"
    )


@pytest.mark.exercise("happy-path")
@pytest.mark.hint("The order of the steps matters: reserve, then charge, then ship (the pivot).")
def test_the_steps_run_in_saga_order(shop: Shop) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    oid = shop.place(customer, sku)
    order = shop.wait_final([oid])[oid]
    assert order["status"] == "APPROVED", f"order {oid} ended {order['status']} ({order['reason']})"
    reservation, charges, shipment = shop.reservation(oid), shop.charges(oid), shop.shipment(oid)
    assert reservation is not None, f"order {oid} never reserved its stock: call inventory.reserve"
    assert charges, f"order {oid} was never charged: call payment.charge"
    assert shipment is not None, f"order {oid} was never shipped: call shipping.ship"
    assert reservation["reserved_at"] < charges[0]["at"], (
        f"order {oid} was charged before its stock was reserved: reserve first, so you never take "
        "money for stock you may not have"
    )
    assert charges[0]["at"] < shipment["at"], (
        f"order {oid} was shipped before it was paid: shipping is the pivot, the one step that "
        "cannot be undone, so it comes after every step that might still fail"
    )


@pytest.mark.exercise("happy-path")
@pytest.mark.hint(
    'After saga.approve(), await saga.publish("order.approved", {"order_id": order.id}).'
)
def test_the_customer_is_told_the_order_was_approved(shop: Shop) -> None:
    sku, customer = shop.new_sku(2), shop.new_customer()
    oid = shop.place(customer, sku)
    order = shop.wait_final([oid])[oid]
    assert order["status"] == "APPROVED", f"order {oid} ended {order['status']} ({order['reason']})"
    told = shop.notified(oid, "approved")
    assert [n["kind"] for n in told] == ["approved"], (
        f"order {oid} is APPROVED but the customer was told {[n['kind'] for n in told]}"
    )
