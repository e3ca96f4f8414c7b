"""Exercise versions: the write side switches order.created from amount_cents (schema 1) to lines
(schema 2); both stay in the stream for ever. An unknown schema is recorded and skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Shop, cents, deliveries, describe, first_difference, settle


@pytest.fixture
def schema_two(shop: Shop) -> Iterator[None]:
    """The orders service writes schema 2 during the check, schema 1 again after it."""
    shop.set_schema(2)
    try:
        yield
    finally:
        shop.set_schema(1)


@pytest.mark.exercise("versions")
@pytest.mark.hint("Upcast a schema-1 order.created to schema 2 (one line of amount_cents) as it "
                  "comes in; the rest of the projection then reads lines only.")
@pytest.mark.usefixtures("schema_two")
def test_orders_of_both_schemas_agree_also_after_a_rebuild(shop: Shop) -> None:
    kim = shop.customer("Kim")
    shop.set_schema(1)
    old = shop.order(kim, 1800)
    shop.set_schema(2)
    new = shop.order(kim, lines=[{"sku": "mug", "qty": 2, "price_cents": 300},
                                 {"sku": "pot", "qty": 1, "price_cents": 1200}])
    for order_id in (old, new):
        shop.move(order_id, "approve")
    for order_id, schema in ((old, 1), (new, 2)):
        view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED"
                              and v["amount_cents"] == 1800)
        assert view is not None and view["amount_cents"] == 1800 and \
            view["status"] == "APPROVED", (
            f"order {order_id} (18.00, created under schema {schema}"
            + (": amount_cents" if schema == 1 else ": lines 2 × 3.00 + 1 × 12.00")
            + f", then approved) shows {shop.seen(order_id, view)}"
            ": the views must read both schemas, "
            "because events of both stay in the stream"
        )
    paths = [f"/views/orders/{old}", f"/views/orders/{new}", f"/views/customers/{kim}/orders"]
    before = {path: shop.raw(path) for path in paths}
    shop.rebuild()
    shop.wait_rebuilt()
    after = {path: shop.raw(path) for path in paths}
    changed = [p for p in paths if after[p] != before[p]]
    assert not changed, (
        f"a rebuild over a history of both schemas changed GET {changed[0]}: "
        f"{first_difference(before[changed[0]], after[changed[0]])}"
    )


def _entry(shop: Shop, event_id: str) -> dict[str, Any] | None:
    return next((p for p in shop.problems() if p.get("event_id") == event_id), None)


@pytest.mark.exercise("versions")
@pytest.mark.hint("An event of a schema you cannot read never becomes readable by waiting: "
                  "raise db.Skip(\"schema 3 of order.created is unknown\").")
def test_an_event_of_an_unknown_schema_is_recorded_and_skipped(shop: Shop) -> None:
    customer, order_id = shop.new_customer_id(), shop.new_order_id()
    future = shop.order_event(order_id, "order.created", 1, customer_id=customer, schema=3,
                              data={"customer_id": customer,
                                    "basket": {"items": [{"sku": "kettle", "cents": 2900}]}})
    shop.publish(future)
    # A schema-1 order after it must still be applied: one bad event blocks nothing.
    shop.caught_up()
    entry = settle(lambda: _entry(shop, future["event_id"]),
                   lambda e: e is not None and e["state"] == "skipped", within=3.0)
    assert entry is not None, (
        f"an order.created of schema 3 (order {order_id}) was published: it is not listed in "
        "order-views' /_admin/problems, so it was dropped without a trace. Nobody will ever "
        "learn that order exists"
    )
    assert entry["state"] == "skipped", (
        f"the schema-3 order.created of order {order_id} keeps failing and is delivered again "
        f"and again ({deliveries(entry['deliveries'])} so far, {entry['reason']}"
        + (f" at {entry['where']}" if entry.get("where") else "")
        + "): it will never become readable by waiting — record it and skip it"
    )
    view = shop.view(order_id)
    assert view is None or view.get("amount_cents") in (None, 2900), (
        f"order {order_id}'s schema-3 creation was skipped, yet the view shows it as "
        f"{describe(view)} ({cents(view.get('amount_cents'))} is not in that event)"
    )
