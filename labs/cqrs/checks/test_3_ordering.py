"""Exercise ordering: events of one order out of order, an approval before its creation, orders
before their customer, a rename after many orders, a customer who never appears.

The end state must be what the same events give in order, and what a reader sees on the way
must never go backwards (an order that was SHIPPED does not become PENDING again)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from conftest import STATUS_RANK, Shop, cents, describe, settle

ORDER_WAIT_S = 1.5
"""How long to wait for each event to show in the history while publishing a sequence."""


def _publish_and_watch(
    shop: Shop, order_id: int, sequence: list[dict[str, Any]]
) -> list[tuple[str, int, str]]:
    """Publish the events one by one; after each, wait until its version shows in the history
    and note (status, version, what arrived) as a reader would see them."""
    seen: list[tuple[str, int, str]] = []
    watching = True
    for event in sequence:
        shop.publish(event)
        if not watching:
            continue
        view = shop.wait_view(
            order_id, lambda v, e=event: e["version"] in {h["version"] for h in v["history"]},
            within=ORDER_WAIT_S,
        )
        if view is None or event["version"] not in {h["version"] for h in view["history"]}:
            watching = False  # the history does not show events: the end state will say why
            continue
        seen.append((view["status"], view["version"], f"{event['type']} v{event['version']}"))
    return seen


def _never_backwards(order_id: int, seen: list[tuple[str, int, str]]) -> None:
    for (status, version, _), (later, later_version, cause) in itertools.pairwise(seen):
        backwards = (later_version < version
                     or STATUS_RANK.get(later, 0) < STATUS_RANK.get(status, 0))
        assert not backwards, (
            f"order {order_id} went {status} v{version} → {later} v{later_version} after a late "
            f"{cause}: a reader saw the order go back in time. An event older than the version "
            "the view holds must not set the status"
        )


@pytest.mark.exercise("ordering")
@pytest.mark.hint("Set status and version only from an event whose version is higher than the "
                  "view's; an older event still adds its history entry and its facts.")
def test_events_of_one_order_out_of_order_end_as_they_would_in_order(shop: Shop) -> None:
    customer, order_id, day = shop.new_customer_id(), shop.new_order_id(), shop.new_day()
    created = shop.order_event(order_id, "order.created", 1, customer_id=customer, day=day,
                               amount_cents=3300)
    approved = shop.order_event(order_id, "order.approved", 2, customer_id=customer, day=day)
    shipped = shop.order_event(order_id, "order.shipped", 3, customer_id=customer, day=day)
    seen = _publish_and_watch(shop, order_id, [shipped, created, approved])
    # The order's customer comes last of all, as it may from the other stream.
    shop.publish(shop.customer_event(customer, "customer.created", 1, "Eve Ng"))

    _never_backwards(order_id, seen)
    view = shop.wait_view(order_id, lambda v: v["status"] == "SHIPPED" and len(v["history"]) == 3
                          and v["customer_name"] == "Eve Ng")
    in_order = "SHIPPED v3, 33.00, customer 'Eve Ng', history v1 v2 v3"
    nameless = view is not None and view.get("customer_name") is None
    assert describe(view) == in_order, (
        f"order {order_id}'s events came v3 shipped, v1 created, v2 approved, then its customer "
        f"Eve Ng; in order they give {in_order}, but the view says {shop.seen(order_id, view)}"
        + (": the customer's event came after the order's, and must fill in the name on the "
           "order's row" if nameless else "")
    )
    revenue = settle(lambda: shop.revenue(day), lambda r: r["amount_cents"] == 3300)
    assert (revenue["orders"], revenue["amount_cents"]) == (1, 3300), (
        f"order {order_id} (33.00) was approved on {day} (its approval arrived after its "
        f"shipment); that day's revenue shows {revenue['orders']} orders, "
        f"{cents(revenue['amount_cents'])}, not 1 order, 33.00"
    )


@pytest.mark.exercise("ordering")
@pytest.mark.hint("An approval for an order you have not seen makes its row; the creation fills "
                  "in customer and amount later — and then the approval's revenue counts.")
def test_an_approval_before_its_creation_is_counted_once_the_amount_is_known(
    shop: Shop,
) -> None:
    customer, order_id, day = shop.new_customer_id(), shop.new_order_id(), shop.new_day()
    shop.publish(shop.customer_event(customer, "customer.created", 1, "Fay"))
    created = shop.order_event(order_id, "order.created", 1, customer_id=customer, day=day,
                               amount_cents=5600)
    approved = shop.order_event(order_id, "order.approved", 2, customer_id=customer, day=day)
    seen = _publish_and_watch(shop, order_id, [approved, created])
    _never_backwards(order_id, seen)
    # The creation again, late (an outbox retry): nothing may move.
    shop.publish(created, again=True)
    shop.caught_up()
    view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED"
                          and v["amount_cents"] == 5600)
    assert view is not None and (view["status"], view["version"]) == ("APPROVED", 2), (
        f"order {order_id}'s approval (v2) arrived before its creation (v1), and the creation "
        f"came once more later; the view says {shop.seen(order_id, view)}, not APPROVED v2: a late "
        "order.created must not reset the status"
    )
    assert view["amount_cents"] == 5600 and view["customer_name"] == "Fay", (
        f"order {order_id} was created for 56.00 by Fay (after its approval); the view says "
        f"{shop.seen(order_id, view)}"
    )
    revenue = settle(lambda: shop.revenue(day), lambda r: r["amount_cents"] == 5600)
    assert (revenue["orders"], revenue["amount_cents"]) == (1, 5600), (
        f"order {order_id} (56.00) was approved on {day} before the write side's creation event "
        f"arrived; once the amount is known the day's revenue must show 1 order, 56.00 — it "
        f"shows {revenue['orders']} orders, {cents(revenue['amount_cents'])}"
    )


@pytest.mark.exercise("ordering")
@pytest.mark.hint("A customer event updates the customer's row and every order row that carries "
                  "their name; an older name never overwrites a newer one.")
def test_a_rename_reaches_every_order_of_the_customer(shop: Shop) -> None:
    gus, orders = shop.new_customer_id(), [shop.new_order_id() for _ in range(3)]
    shop.publish(shop.customer_event(gus, "customer.created", 1, "Gus"))
    for order_id in orders:
        shop.publish(shop.order_event(order_id, "order.created", 1, customer_id=gus,
                                      amount_cents=100))
    shop.publish(shop.customer_event(gus, "customer.renamed", 2, "Gus Grant"))
    # A second customer whose rename overtakes their creation.
    hal, hal_order = shop.new_customer_id(), shop.new_order_id()
    shop.publish(shop.order_event(hal_order, "order.created", 1, customer_id=hal,
                                  amount_cents=100))
    shop.publish(shop.customer_event(hal, "customer.renamed", 2, "Hal Ito"))
    shop.publish(shop.customer_event(hal, "customer.created", 1, "Hal"))

    rows = settle(lambda: shop.customer_view(gus),
                  lambda c: len(c["orders"]) == 3
                  and {r["customer_name"] for r in c["orders"]} == {"Gus Grant"})
    names = {r["order_id"]: r["customer_name"] for r in (rows or {}).get("orders", [])}
    assert set(names) == set(orders), (
        f"customer Gus placed orders {', '.join(map(str, orders))}; his orders view lists "
        f"{', '.join(map(str, sorted(names))) or 'none'}"
    )
    stale = sorted(oid for oid, name in names.items() if name != "Gus Grant")
    assert not stale, (
        f"Gus was renamed Gus Grant after placing 3 orders, but order(s) "
        f"{', '.join(map(str, stale))} still show "
        f"{repr(names[stale[0]]) if names[stale[0]] else 'no name'}: a rename must reach every "
        "row that copies the name"
    )
    hal_rows = settle(lambda: shop.customer_view(hal),
                      lambda c: c["name"] == "Hal Ito" and bool(c["orders"])
                      and c["orders"][0]["customer_name"] == "Hal Ito")
    shown = (hal_rows or {}).get("orders") or [{}]
    assert hal_rows is not None and hal_rows["name"] == "Hal Ito" and \
        shown[0].get("customer_name") == "Hal Ito", (
        f"customer {hal}'s rename to 'Hal Ito' (v2) arrived before their creation as 'Hal' (v1); "
        f"the view shows {hal_rows and hal_rows['name']!r} with order rows named "
        f"{[r.get('customer_name') for r in shown]}: the older name must not win"
    )


@pytest.mark.exercise("ordering")
@pytest.mark.hint("Show the order without a name when its customer is unknown; the customer's "
                  "event fills the name in if it ever comes. Never raise to wait for it.")
def test_an_order_whose_customer_never_appears_is_still_shown(shop: Shop) -> None:
    ghost, order_id = shop.new_customer_id(), shop.new_order_id()
    shop.publish(shop.order_event(order_id, "order.created", 1, customer_id=ghost,
                                  amount_cents=1900))
    view = shop.wait_view(order_id, lambda v: v["amount_cents"] == 1900, within=5.0)
    assert view is not None and view["amount_cents"] == 1900 and view["status"] == "PENDING", (
        f"order {order_id} (19.00) was created for customer {ghost}, who never appears in any "
        f"event; 5 s later its view says {shop.seen(order_id, view)}"
        ": an order must be shown even when its "
        "customer is not known (yet)"
    )
