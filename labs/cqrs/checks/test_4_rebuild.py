"""Exercise rebuild: replaying the event log into an empty store gives the same views, byte for
byte; queries answer from the old views meanwhile; events that arrive meanwhile are applied once.
"""

from __future__ import annotations

import pytest
from conftest import Shop, cents, first_difference, settle

HOLD_S = 1.0
"""The rebuilt store is kept aside this long before the swap, so the check sees the window."""


@pytest.mark.exercise("rebuild")
@pytest.mark.hint("Write only what the events say: their `at`, their versions, their data. The "
                  "clock, a counter or the order of arrival differ on every replay.")
def test_a_rebuild_gives_the_same_views_and_loses_nothing(shop: Shop) -> None:
    # A history with a bit of everything: commands, a rename, a back-dated approval, an order
    # whose customer comes after it, and one order still waiting for its approval.
    ida = shop.customer("Ida")
    shipped, waiting = shop.order(ida, 1250), shop.order(ida, 800)
    shop.move(shipped, "approve")
    shop.move(shipped, "ship")
    shop.rename(ida, "Ida Moss")
    jon, late_customer, day = shop.new_customer_id(), shop.new_order_id(), shop.new_day()
    shop.publish(shop.order_event(late_customer, "order.created", 1, customer_id=jon, day=day,
                                  amount_cents=640))
    shop.publish(shop.order_event(late_customer, "order.approved", 2, customer_id=jon, day=day))
    shop.publish(shop.customer_event(jon, "customer.created", 1, "Jon"))

    expected = {
        shipped: ("SHIPPED", 3, "Ida Moss"),
        waiting: ("PENDING", 1, "Ida Moss"),
        late_customer: ("APPROVED", 2, "Jon"),
    }
    for order_id, (status, version, name) in expected.items():
        view = shop.wait_view(order_id, lambda v, s=status, n=name: v["status"] == s
                              and v["customer_name"] == n)
        assert view is not None and (view["status"], view["version"], view["customer_name"]) \
            == (status, version, name), (
            f"before any rebuild, order {order_id} should be {status} v{version} for {name}; "
            f"its view says {shop.seen(order_id, view)}"
        )
    today = shop.today()
    paths = [f"/views/orders/{oid}" for oid in expected] + [
        f"/views/customers/{ida}/orders", f"/views/customers/{jon}/orders",
        f"/views/revenue?day={day}",
    ]
    before = {path: shop.raw(path) for path in paths}
    waiting_path = f"/views/orders/{waiting}"

    shop.rebuild(hold_s=HOLD_S)
    during = {path: shop.raw(path) for path in paths}
    assert during == before, (
        "while the rebuild ran, the views answered differently from before it: "
        + next(p for p in paths if during[p] != before[p])
        + " — queries must be served from the old views until the new ones are complete"
    )
    # An approval that arrives during the rebuild: applied once, to the new views.
    shop.move(waiting, "approve")
    revenue_today = shop.revenue(today)["amount_cents"]
    shop.wait_rebuilt()

    view = shop.wait_view(waiting, lambda v: v["status"] == "APPROVED")
    assert view is not None and view["status"] == "APPROVED" and \
        [h["version"] for h in view["history"]] == [1, 2], (
        f"order {waiting} was approved while the views were being rebuilt; afterwards its view "
        f"says {shop.seen(waiting, view)}"
        ", not APPROVED with history v1 v2: an event that arrives during "
        "a rebuild must be applied once, neither lost nor doubled"
    )
    after_today = settle(lambda: shop.revenue(today),
                         lambda r: r["amount_cents"] == revenue_today + 800)["amount_cents"]
    assert after_today == revenue_today + 800, (
        f"order {waiting} (8.00) was approved today, during the rebuild: today's revenue should "
        f"have gone from {cents(revenue_today)} to {cents(revenue_today + 800)}; it shows "
        f"{cents(after_today)}"
    )
    # Every other answer must be the same bytes as before (Ida's list has the approved order).
    unchanged = [p for p in paths if p != waiting_path and not p.endswith(f"/{ida}/orders")]
    after = {path: shop.raw(path) for path in unchanged}
    changed = [p for p in unchanged if after[p] != before[p]]
    assert not changed, (
        f"the rebuild changed GET {changed[0]}: "
        f"{first_difference(before[changed[0]], after[changed[0]])}. A replay of the same "
        "events must give the same views"
    )
    rows = {r["order_id"]: r for r in (shop.customer_view(ida) or {}).get("orders", [])}
    assert rows.get(shipped, {}).get("customer_name") == "Ida Moss" and \
        rows.get(waiting, {}).get("status") == "APPROVED", (
        f"after the rebuild, Ida Moss's orders view lists {sorted(rows.values(), key=str)}"
    )
