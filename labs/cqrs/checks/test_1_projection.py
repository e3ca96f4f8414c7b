"""Exercise projection: the three views, filled from events alone."""

from __future__ import annotations

import time

import pytest
from conftest import Shop, cents, settle

from workbench.checks import Faults


def _history(view: dict | None) -> list[tuple[int, str]]:
    return [(h["version"], h["type"]) for h in (view or {}).get("history", [])]


@pytest.mark.exercise("projection")
@pytest.mark.hint("Each order event sets the status (created PENDING, approved APPROVED, cancelled "
                  "CANCELLED, shipped SHIPPED) and adds (version, type, at) to order_history.")
def test_the_views_follow_the_commands(shop: Shop) -> None:
    today = shop.today()
    before = shop.revenue(today)
    ann = shop.customer("Ann Smith")
    shipped, cancelled = shop.order(ann, 2500), shop.order(ann, 1200)
    shop.move(shipped, "approve")
    shop.move(shipped, "ship")
    shop.move(cancelled, "cancel")

    want = [(1, "order.created"), (2, "order.approved"), (3, "order.shipped")]
    view = shop.wait_view(shipped, lambda v: v["status"] == "SHIPPED" and _history(v) == want)
    assert view is not None, (
        f"order {shipped} was placed, approved and shipped, but GET /views/orders/{shipped} "
        "still answers 404: the order.created event never made a row in the orders view"
    )
    assert (view["status"], view["version"]) == ("SHIPPED", 3), (
        f"order {shipped} was placed, approved and shipped (events v1, v2, v3), but its view "
        f"says {shop.seen(shipped, view)}"
    )
    assert _history(view) == want, (
        f"order {shipped}'s history should list v1 order.created, v2 order.approved, v3 "
        f"order.shipped; the view shows {shop.seen(shipped, view)}"
    )
    assert view["amount_cents"] == 2500 and view["customer_name"] == "Ann Smith", (
        f"order {shipped} is for 25.00 by Ann Smith; its view says {shop.seen(shipped, view)}"
    )
    other = shop.wait_view(cancelled, lambda v: v["status"] == "CANCELLED")
    assert other is not None and (other["status"], other["version"]) == ("CANCELLED", 2), (
        f"order {cancelled} was placed then cancelled; its view says {shop.seen(cancelled, other)}"
    )

    rows = settle(lambda: shop.customer_view(ann),
                  lambda c: len(c["orders"]) == 2
                  and all(r["customer_name"] == "Ann Smith" for r in c["orders"]))
    listed = {r["order_id"]: r for r in (rows or {}).get("orders", [])}
    assert set(listed) == {shipped, cancelled}, (
        f"Ann Smith placed orders {shipped} and {cancelled}; her orders view lists "
        f"{sorted(listed) or 'none'}"
    )
    names = {r["customer_name"] for r in listed.values()}
    assert names == {"Ann Smith"}, (
        f"every row of Ann Smith's orders must carry her name (no join at query time); the rows "
        f"show {sorted(map(str, names))}"
    )

    want_revenue = before["amount_cents"] + 2500
    now = settle(lambda: shop.revenue(today), lambda r: r["amount_cents"] == want_revenue)
    assert now["amount_cents"] == want_revenue, (
        f"order {shipped} (25.00) was approved today ({today}): the day's revenue should have "
        f"gone from {cents(before['amount_cents'])} to {cents(want_revenue)}, it shows "
        f"{cents(now['amount_cents'])} (the cancelled order {cancelled} never counts)"
    )


@pytest.mark.exercise("projection")
@pytest.mark.hint('Revenue belongs to the day of the approval event: event["at"][:10].')
def test_revenue_counts_on_the_day_of_the_approval_event(shop: Shop) -> None:
    created_day, approved_day = shop.new_day(), shop.new_day()
    customer, order_id = shop.new_customer_id(), shop.new_order_id()
    shop.publish(shop.customer_event(customer, "customer.created", 1, "Bo"))
    shop.publish(shop.order_event(order_id, "order.created", 1, customer_id=customer,
                                  day=created_day, amount_cents=4200))
    shop.publish(shop.order_event(order_id, "order.approved", 2, customer_id=customer,
                                  day=approved_day))
    view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED"
                          and v["amount_cents"] == 4200)
    assert view is not None and view["status"] == "APPROVED", (
        f"order {order_id} was created and approved (events published as the write side would), "
        f"but its view says {shop.seen(order_id, view)}"
    )
    assert view["amount_cents"] == 4200, (
        f"order {order_id} was created for 42.00 and approved, but its view says "
        f"{shop.seen(order_id, view)}: without its amount the approval adds nothing to revenue"
    )
    revenue = settle(lambda: shop.revenue(approved_day), lambda r: r["amount_cents"] == 4200)
    on_creation = shop.revenue(created_day)
    assert (revenue["orders"], revenue["amount_cents"]) == (1, 4200), (
        f"order {order_id} (42.00) was approved by an event dated {approved_day}: that day's "
        f"revenue should be 1 order, 42.00; it shows {revenue['orders']} order(s), "
        f"{cents(revenue['amount_cents'])}"
        + (f" (the order was counted on its creation day, {created_day}, instead)"
           if on_creation["amount_cents"] else "")
        + ". Count an approval on the day its event says, not the day it arrives"
    )


@pytest.mark.exercise("projection")
@pytest.mark.hint("The views must come from the events alone: never call the orders service.")
def test_the_views_answer_and_update_while_the_orders_service_is_down(
    shop: Shop, faults: Faults
) -> None:
    faults.kill("orders")
    customer, order_id, day = shop.new_customer_id(), shop.new_order_id(), shop.new_day()
    shop.publish(shop.customer_event(customer, "customer.created", 1, "Cy Young"))
    shop.publish(shop.order_event(order_id, "order.created", 1, customer_id=customer,
                                  day=day, amount_cents=990))
    shop.publish(shop.order_event(order_id, "order.approved", 2, customer_id=customer, day=day))
    view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED")
    assert view is not None and view["status"] == "APPROVED" and view["amount_cents"] == 990, (
        f"with the orders service down, order {order_id}'s events (created 9.90, approved) were "
        f"published, yet its view says {shop.seen(order_id, view)}"
        ": the read side must not need the "
        "write side — everything it shows comes in the events"
    )
    rows = settle(lambda: shop.customer_view(customer), lambda c: bool(c["orders"]))
    assert rows is not None and [r["order_id"] for r in rows["orders"]] == [order_id], (
        f"with the orders service down, customer {customer}'s orders view does not list order "
        f"{order_id}"
    )


@pytest.mark.exercise("projection")
@pytest.mark.hint("Nothing to write for this one if the others pass: the views catch up from the "
                  "streams once order-views runs again.")
def test_commands_succeed_while_the_views_are_paused_and_the_views_catch_up(
    shop: Shop, faults: Faults
) -> None:
    faults.pause("order-views")
    started = time.monotonic()
    dee = shop.customer("Dee")
    order_id = shop.order(dee, 700)
    shop.move(order_id, "approve")
    took = time.monotonic() - started
    assert took < 3.0, (
        f"with order-views paused, adding a customer, placing and approving an order took "
        f"{took:.1f} s: commands must never wait for the read side"
    )
    faults.resume("order-views")
    view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED", within=2.5)
    assert view is not None and view["status"] == "APPROVED", (
        f"order {order_id} was placed and approved while order-views was paused; 2 s after it "
        f"resumed its view says {shop.seen(order_id, view)}"
        ": the events waited in the stream and must be "
        "applied once the read side runs again"
    )
    rows = settle(lambda: shop.customer_view(dee), lambda c: c["name"] == "Dee", within=1.0)
    assert rows is not None and rows["name"] == "Dee", (
        f"customer Dee was added while order-views was paused; after it resumed her orders view "
        f"shows {rows}"
    )
