"""Exercise crash-resume: the orchestrator dies mid-saga; after a restart every saga finishes.

One crash serves every check of this exercise (a restart is the slow part, on Docker above all):
saga A is parked right after its charge, saga C right after releasing its stock while it turns
back from a declined card, saga F right after its refund while it turns back from a shipping
outage that is over by the restart, saga G at a release that met a 503, and saga B's ship answer
kills the order service. They all
die at once, each at its own step; the service is restarted and must finish every one of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import Shop, cents

from workbench.checks import Faults, eventually
from workbench.checks.clients import client

UNDELIVERABLE = "3 Harbour Road, Atlantis"  # shipping refuses it (409): the saga turns back


@dataclass(frozen=True)
class Crashed:
    shop: Shop
    after_charge: tuple[int, str]
    """(order id, sku): 1 of 3 units, 20.00, parked right after payment charged it."""
    after_ship: tuple[int, str]
    """(order id, sku): 1 of 3 units, 15.00, the crash came right after shipping answered."""
    compensating: tuple[int, str]
    """(order id, sku): 2 of 3 units, 10.00, declined; parked right after its release."""
    approved_untold: int
    """Order id: APPROVED, parked right before order.approved went out."""
    rejected_untold: int
    """Order id: REJECTED (out of stock), parked right before order.rejected went out."""
    refunded: tuple[int, str]
    """(order id, sku): 1 of 3 units, 14.00, turned back by a shipping outage that ended before
    the restart; parked right after its refund."""
    releasing: tuple[int, str]
    """(order id, sku): 2 of 3 units, 16.00, turned back by an undeliverable address; parked
    when inventory answered its first release with 503."""


def _reached(what: Callable[[], Any], within: float = 4.0) -> bool:
    try:
        eventually(what, within=within)
    except AssertionError:
        return False  # the saga never got there: its own check will say what went wrong
    return True


def _armed(shop: Shop) -> list[Any]:
    """The order service's crash points still armed (a parked saga has taken its point)."""
    return list(shop.http.get(f"{shop.url('order')}/_admin/crash").json()["armed"])


@contextmanager
def _undone(faults: Faults) -> Iterator[None]:
    """Whatever went wrong, no armed point or parked saga outlives this module."""
    try:
        yield
    finally:
        faults.undo()


@pytest.fixture(scope="module")
def crashed(
    deployment: Any, service_url: Callable[[str], str], lab: Any
) -> Iterator[Crashed]:
    deadline = float(lab.service("order").env.get("SAGA_DEADLINE_S", "6"))
    faults = Faults(deployment)  # module-wide: the crash serves every check of the exercise
    with client(timeout=httpx.Timeout(5.0, connect=2.0)) as http, _undone(faults):
        shop = Shop(http, service_url, deadline)
        sku_a, sku_b, sku_c = shop.new_sku(3), shop.new_sku(3), shop.new_sku(3)

        # F first: its shipping outage must be over before B ships.
        sku_f = shop.new_sku(3)
        faults.error_rate("shipping", 1.0, route="/shipments")
        faults.crash_at("order", "refund", hold=True)
        f = shop.place(shop.new_customer(), sku_f, amount_cents=1400)
        if not _reached(lambda: shop.refunds(f) or not shop.order(f)["saga_open"], within=6.0):
            faults.disarm_crashes("order")
        shop.lift_faults("shipping")  # the outage that turned F back is over

        # G: its first release meets a 503, and the saga is parked right at that answer, its
        # stock still held. Whatever the saga has decided by then, the restart must end it with
        # the units back.
        sku_g = shop.new_sku(3)
        faults.fail_next("inventory", 1, route="/reservations/")
        faults.crash_at("order", "release", hold=True)
        g = shop.place(shop.new_customer(), sku_g, qty=2, amount_cents=1600, address=UNDELIVERABLE)
        if not _reached(lambda: not _armed(shop) or not shop.order(g)["saga_open"]):
            faults.disarm_crashes("order")

        faults.crash_at("order", "charge", hold=True)
        a = shop.place(shop.new_customer(), sku_a, amount_cents=2000)
        if not _reached(lambda: shop.charges(a) or not shop.order(a)["saga_open"]):
            faults.disarm_crashes("order")  # A never charged: the hold must not catch another

        faults.crash_at("order", "release", hold=True)
        c = shop.place(shop.new_customer(credit_limit_cents=0), sku_c, qty=2, amount_cents=1000)
        if not _reached(lambda: ((r := shop.reservation(c)) and r["state"] == "released")
                        or not shop.order(c)["saga_open"]):
            faults.disarm_crashes("order")

        faults.crash_at("order", "tell", hold=True)
        d = shop.place(shop.new_customer(), shop.new_sku(2), amount_cents=1200)
        if not _reached(lambda: shop.order(d)["status"] == "APPROVED"
                        or not shop.order(d)["saga_open"]):
            faults.disarm_crashes("order")

        faults.crash_at("order", "tell", hold=True)
        e = shop.place(shop.new_customer(), shop.new_sku(0), amount_cents=1200)
        if not _reached(lambda: shop.order(e)["status"] == "REJECTED"
                        or not shop.order(e)["saga_open"]):
            faults.disarm_crashes("order")

        faults.crash_at("order", "ship")
        b = shop.place(shop.new_customer(), sku_b, amount_cents=1500)
        shop.wait_down("order")
        faults.restart("order")
        shop.settle([a, b, c, d, e, f, g], within=deadline + 2.0)
        yield Crashed(shop, (a, sku_a), (b, sku_b), (c, sku_c), d, e, (f, sku_f), (g, sku_g))


def _final(crashed: Crashed, oid: int, where: str) -> dict[str, Any]:
    context = f"the order service crashed {where} and was restarted: "
    return crashed.shop.wait_final([oid], within=0.5, context=context)[oid]


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint("Write each step to saga.log before you call it; in resume(), redo a step that "
                  "was started but not finished with the same key.")
def test_a_crash_right_after_the_charge_charges_once(crashed: Crashed) -> None:
    shop, (oid, sku) = crashed.shop, crashed.after_charge
    order = _final(crashed, oid, "right after this order's charge")
    charges = shop.charges(oid)
    assert len(charges) <= 1, (
        f"order {oid} was charged {len(charges)} times: the service crashed right after the "
        "charge, and after the restart the saga charged again. Resume from the saga log and "
        "repeat a step only with the same idempotency key"
    )
    net, shipped = shop.net_charged(oid), shop.shipment(oid) is not None
    available = shop.stock(sku)["available"]
    if order["status"] == "APPROVED":
        finished = net == 2000 and shipped and available == 2
        assert finished, (
            f"order {oid} is APPROVED after the crash but net charge is {cents(net)} (want "
            f"20.00), shipped={shipped}, stock {available} (want 2): finish every step"
        )
    else:
        undone = net == 0 and not shipped and available == 3
        assert undone, (
            f"order {oid} is REJECTED after the crash but net charge is {cents(net)} (want "
            f"0.00), shipped={shipped}, stock {available} (want 3): compensate every step"
        )


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint("If the log shows shipping was started, the parcel may have left: resume "
                  "forward.")
def test_a_crash_right_after_shipping_completes_the_order(crashed: Crashed) -> None:
    shop, (oid, _sku) = crashed.shop, crashed.after_ship
    order = _final(crashed, oid, "right after this order shipped")
    net = shop.net_charged(oid)
    went_forward = order["status"] == "APPROVED" and net == 1500
    assert went_forward, (
        f"order {oid} had shipped when the service crashed, but after the restart it ended "
        f"{order['status']} with {cents(net)} of 15.00 charged: shipping is the pivot — once "
        "the parcel has left, the saga can only go forward (approve, tell the customer)"
    )
    shop.notified(oid, "approved")


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint('Log that the saga turned back (saga.log.write("saga", "compensating")); '
                  "resume() then finishes the compensation instead of going forward.")
def test_a_crash_while_compensating_finishes_the_compensation(crashed: Crashed) -> None:
    shop, (oid, sku) = crashed.shop, crashed.compensating
    order = _final(crashed, oid, "while this order was compensating a declined card")
    assert order["status"] == "REJECTED", (
        f"order {oid}'s card was declined and its stock already released when the service "
        f"crashed, yet after the restart it ended {order['status']}: finish the compensation"
    )
    available = shop.stock(sku)["available"]
    assert available == 3, (
        f"order {oid} is REJECTED but {sku} has {available} of its 3 units available: the "
        "reservation must be released exactly once"
    )
    ledger = shop.ledger(oid)
    assert not ledger, (
        f"order {oid}'s card was declined, yet payment shows "
        + ", ".join(f"a {e['kind']} of {cents(e['amount_cents'])}" for e in ledger)
        + ": a saga resumed while compensating must not charge, nor refund what was never paid"
    )
    shop.notified(oid, "rejected")


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint('A saga that turned back stays turned back: log it (saga.log.write("saga", '
                  '"compensating")) and let resume() finish the compensation, even when the '
                  "failure that caused it is gone.")
def test_a_crash_after_a_refund_keeps_the_saga_turned_back(crashed: Crashed) -> None:
    shop, (oid, sku) = crashed.shop, crashed.refunded
    order = _final(crashed, oid, "right after this order was refunded (shipping had been down)")
    net, shipped = shop.net_charged(oid), shop.shipment(oid) is not None
    available = shop.stock(sku)["available"]
    undone = order["status"] == "REJECTED" and net == 0 and not shipped and available == 3
    assert undone, (
        f"order {oid} was turning back (shipping was down) and had been refunded when the "
        f"service crashed; after the restart it ended {order['status']} with {cents(net)} of "
        f"14.00 charged, shipped={shipped} and {available} of 3 units available. Once a saga "
        "has begun to compensate, resume() must finish the compensation (release, reject, tell), "
        "not go forward: its money is already back"
    )
    shop.notified(oid, "rejected")


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint("Reject the order only once every compensation is done: resume() treats a "
                  "decided order as finished, so a crash between reject() and the release "
                  "would keep the stock forever.")
def test_a_crash_while_releasing_gives_the_stock_back(crashed: Crashed) -> None:
    shop, (oid, sku) = crashed.shop, crashed.releasing
    order = _final(crashed, oid, "while inventory answered this order's release with 503")
    available = shop.stock(sku)["available"]
    assert order["status"] == "REJECTED" and available == 3, (
        f"order {oid} was turning back (undeliverable address) and its release had just met a "
        f"503 when the service crashed; after the restart it is {order['status']} and {sku} has "
        f"{available} of its 3 units available. The 2 units must go back: finish the "
        "compensation before rejecting the order, and let resume() finish it after a crash"
    )
    net = shop.net_charged(oid)
    assert net == 0, f"order {oid} is REJECTED but the customer is out of {cents(net)}"
    shop.notified(oid, "rejected")


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint("resume() is also called for an order already APPROVED or REJECTED: the crash "
                  "may have come before the customer was told, so tell them (again).")
def test_a_crash_before_the_customer_was_told_still_tells_them(crashed: Crashed) -> None:
    shop = crashed.shop
    for oid, kind in ((crashed.approved_untold, "approved"), (crashed.rejected_untold, "rejected")):
        order = _final(crashed, oid, f"after this order was {kind}, before its customer was told")
        assert order["status"] == kind.upper(), (
            f"order {oid} was already {kind.upper()} when the service crashed, yet after the "
            f"restart it is {order['status']}: a decided order stays decided"
        )
        shop.notified(oid, kind)
