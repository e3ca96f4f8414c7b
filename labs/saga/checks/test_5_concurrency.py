"""Exercise concurrency: fifty orders race for ten units; exactly ten win."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import Shop, cents

ORDERS, UNITS, PRICE = 50, 10, 1200


@pytest.mark.exercise("concurrency")
@pytest.mark.hint("Checking the stock and then taking it is two steps; let inventory.reserve do "
                  "both at once and treat Refused as out of stock.")
def test_fifty_orders_for_ten_units(shop: Shop, faults: object) -> None:
    sku = shop.new_sku(UNITS)
    customers = [shop.new_customer() for _ in range(ORDERS)]
    # A busy warehouse answers stock queries slowly. It changes nothing for a checkout that lets
    # inventory decide (reservations are not slowed), and makes the gap between reading a level
    # and acting on it as wide on a fast machine as on a slow one.
    faults.latency("inventory", 50, route="/stock")  # type: ignore[attr-defined]
    # The order service answers these while it runs the sagas of the first ones: on a busy
    # machine (or through Docker's port forwarding) an answer may take a few seconds.
    with ThreadPoolExecutor(max_workers=ORDERS) as pool:
        ids = list(pool.map(
            lambda c: shop.place(c, sku, qty=1, amount_cents=PRICE, timeout=20.0), customers
        ))
    orders = shop.wait_final(ids, within=shop.deadline_s + 4.0,
                             context=f"with {ORDERS} orders placed at once, ")
    approved = [oid for oid, o in orders.items() if o["status"] == "APPROVED"]
    stock = shop.stock(sku)
    assert stock["low_water"] >= 0, (
        f"the stock of {sku} went down to {stock['low_water']}: {len(approved)} orders took the "
        f"{UNITS} units. Checking the stock and then taking it is a race — between the two, other "
        "orders take the same units. Let inventory reserve atomically"
    )
    assert len(approved) == UNITS, (
        f"{len(approved)} of {ORDERS} orders were APPROVED for {UNITS} units in stock: exactly "
        f"{UNITS} must be approved and {ORDERS - UNITS} rejected"
    )
    # Each customer's own ledger, not the total: two mistakes can cancel out in a sum.
    for oid, order in sorted(orders.items()):
        net = shop.net_charged(oid)
        want = PRICE if order["status"] == "APPROVED" else 0
        assert net == want, (
            f"order {oid} ended {order['status']} and its customer paid {cents(net)} (want "
            f"{cents(want)}): every approved order is paid once, every rejected one gets its "
            "money back"
        )
    levels = (stock["available"], stock["reserved"])
    assert levels == (0, UNITS), (
        f"after the rush {sku} shows {stock['available']} available and {stock['reserved']} "
        f"reserved; want 0 and {UNITS}"
    )
