"""Exercise compensation: the pivot itself says no (the address is outside the delivery area)."""

from __future__ import annotations

import pytest
from conftest import Shop, cents


@pytest.mark.exercise("compensation")
@pytest.mark.hint("A refused shipment is a failed step like any other before the pivot took "
                  "place: refund the charge, release the stock, reject, tell the customer.")
def test_an_undeliverable_order_gives_the_money_and_the_stock_back(shop: Shop) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    oid = shop.place(customer, sku, qty=2, amount_cents=3500, address="7 Harbour Road, Atlantis")
    order = shop.wait_final([oid], context="when shipping refuses the address, ")[oid]
    assert order["status"] == "REJECTED", (
        f"order {oid} goes to an address shipping does not deliver to, yet it ended "
        f"{order['status']}: nothing was shipped, so the saga must turn back and reject it"
    )
    net = shop.net_charged(oid)
    assert net == 0, (
        f"order {oid} was never delivered (shipping refused the address) but the customer is "
        f"out of {cents(net)}: refund the charge when the saga turns back"
    )
    available = shop.stock(sku)["available"]
    assert available == 3, (
        f"order {oid} was rejected but {sku} has {available} of its 3 units available: release "
        "the reservation too"
    )
    shop.notified(oid, "rejected")
