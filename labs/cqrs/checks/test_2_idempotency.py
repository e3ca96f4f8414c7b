"""Exercise idempotency: an event delivered twice — redelivered after a crash, published again
under a new message id, or arriving after a restart — changes the views once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import Shop, cents, settle

from workbench.checks import Faults


def _placed_and_approved(shop: Shop, amount: int) -> tuple[int, str, dict[str, Any]]:
    """An order created and approved through published events; (id, approval day, approval)."""
    customer, order_id, day = shop.new_customer_id(), shop.new_order_id(), shop.new_day()
    shop.publish(shop.order_event(order_id, "order.created", 1, customer_id=customer,
                                  day=day, amount_cents=amount))
    approval = shop.order_event(order_id, "order.approved", 2, customer_id=customer, day=day)
    return order_id, day, approval


def _once(shop: Shop, order_id: int, day: str, amount: int, what: str) -> None:
    """The order is APPROVED with one history entry per event, and its day's revenue counts it
    once."""
    view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED")
    assert view is not None and view["status"] == "APPROVED", (
        f"order {order_id} was created and approved, then {what}; its view says "
        f"{shop.seen(order_id, view)}: the approval was lost"
    )
    versions = [h["version"] for h in view["history"]]
    assert versions == [1, 2], (
        f"order {order_id} had two events (v1 created, v2 approved), then {what}; its history "
        f"now lists {' '.join(f'v{v}' for v in versions)}: an event applied twice"
    )
    revenue = shop.revenue(day)
    assert (revenue["orders"], revenue["amount_cents"]) == (1, amount), (
        f"order {order_id} ({cents(amount)}) was approved once, then {what}; its day's "
        f"revenue shows {revenue['orders']} orders, {cents(revenue['amount_cents'])}: the "
        "approval was counted " + ("twice" if revenue["orders"] > 1 else "wrongly")
    )


def _approved_before_any_duplicate(shop: Shop, order_id: int) -> None:
    """The approval must reach the view once before its duplicates mean anything (exercise 1)."""
    view = shop.wait_view(order_id, lambda v: v["status"] == "APPROVED")
    assert view is not None and view["status"] == "APPROVED", (
        f"order {order_id} was created and approved, and nothing was delivered twice yet, but "
        f"its view says {shop.seen(order_id, view)}"
        ": the approval never reached the view (exercise 1)"
    )


def _consumed_after_restart(stats: Callable[[str], Any], subject: str, within: float) -> None:
    # The restarted service counts from zero: once it has acknowledged an event on the subject,
    # the event the crash left unacknowledged has come back and been handled.
    settle(lambda: stats("order-views").snapshot().consumed[subject], bool, within)


@pytest.mark.exercise("idempotency")
@pytest.mark.hint("Mark each event_id as applied in the store (the applied table), and skip an "
                  "event whose mark is there: the marks survive a restart, memory does not.")
def test_an_event_redelivered_after_a_crash_changes_nothing(
    shop: Shop, faults: Faults, stats: Callable[[str], Any]
) -> None:
    earlier, earlier_day, earlier_approval = _placed_and_approved(shop, 1500)
    shop.publish(earlier_approval)
    _approved_before_any_duplicate(shop, earlier)

    order_id, day, approval = _placed_and_approved(shop, 3100)
    shop.wait_view(order_id, lambda v: True)
    faults.crash_at("order-views", "after-apply", key=approval["event_id"])
    shop.publish(approval)
    crashed = shop.wait_down("order-views")
    assert crashed, (
        f"order-views was armed to crash right after applying order {order_id}'s approval, "
        "but it kept running: was the event ever applied?"
    )
    faults.restart("order-views")
    _consumed_after_restart(stats, "order.approved", within=6.0)
    # After the restart, the earlier approval comes again under a new message id.
    shop.publish(earlier_approval, again=True)
    shop.caught_up()
    _once(shop, order_id, day, 3100,
          "order-views crashed after applying the approval but before acknowledging it, and "
          "applied the redelivered approval after its restart")
    _once(shop, earlier, earlier_day, 1500,
          "after a restart of order-views the same approval was delivered again")


@pytest.mark.exercise("idempotency")
@pytest.mark.hint("The message id is the publisher's; an outbox that retries publishes the same "
                  "event under a new one. Deduplicate on event_id.")
def test_an_event_published_again_under_a_new_message_id_counts_once(shop: Shop) -> None:
    order_id, day, approval = _placed_and_approved(shop, 2750)
    shop.publish(approval)
    _approved_before_any_duplicate(shop, order_id)
    shop.publish(approval, again=True)
    shop.publish(approval, again=True)
    shop.caught_up()
    _once(shop, order_id, day, 2750,
          "the same approval (same event_id) was published twice more under new message ids")


@pytest.mark.exercise("idempotency")
@pytest.mark.hint("Put the mark and every change of the event in one `with db.transaction():` "
                  "— a crash then undoes both, and the redelivered event is applied in full.")
def test_a_crash_half_way_through_an_event_leaves_it_applied_once(
    shop: Shop, faults: Faults, stats: Callable[[str], Any]
) -> None:
    warm_up, _day, warm_up_approval = _placed_and_approved(shop, 100)
    shop.publish(warm_up_approval)
    _approved_before_any_duplicate(shop, warm_up)
    order_id, day, approval = _placed_and_approved(shop, 4400)
    shop.wait_view(order_id, lambda v: True)
    faults.crash_at("order-views", "mid-apply", key=approval["event_id"])
    shop.publish(approval)
    if shop.wait_down("order-views", within=3.0):
        faults.restart("order-views")
        _consumed_after_restart(stats, "order.approved", within=6.0)
    else:
        # The projection applied the approval in a single write: there is no half-way point.
        faults.disarm_crashes("order-views")
    shop.caught_up()
    _once(shop, order_id, day, 4400,
          "order-views died half-way through applying the approval (after its first write) and "
          "got the approval again after its restart")
