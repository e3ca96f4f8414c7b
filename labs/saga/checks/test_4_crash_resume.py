"""Exercise crash-resume: the orchestrator dies mid-saga; after a restart the saga finishes."""

from __future__ import annotations

import pytest
from conftest import Shop, cents


def _crash_then_restart(shop: Shop, faults: object, step: str, oid_holder: list[int],
                        customer: str, sku: str, amount: int) -> None:
    shop.crash_after(step)
    oid_holder.append(shop.place(customer, sku, amount_cents=amount))
    shop.wait_down("order")
    faults.restart("order")  # type: ignore[attr-defined]


@pytest.mark.exercise("crash-resume")
@pytest.mark.hint("Write each step to saga.log before you call it; in resume(), redo a step that "
                  "was started but not finished with the same key.")
def test_a_crash_right_after_the_charge_charges_once(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    placed: list[int] = []
    _crash_then_restart(shop, faults, "charge", placed, customer, sku, 2000)
    oid = placed[0]
    order = shop.wait_final([oid], context="after the order service crashed right after the "
                                           "charge and was restarted, ")[oid]
    charges = shop.charges(oid)
    assert len(charges) == 1, (
        f"order {oid} was charged {len(charges)} times: the service crashed after the first "
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
def test_a_crash_right_after_shipping_completes_the_order(shop: Shop, faults: object) -> None:
    sku, customer = shop.new_sku(3), shop.new_customer()
    placed: list[int] = []
    _crash_then_restart(shop, faults, "ship", placed, customer, sku, 1500)
    oid = placed[0]
    order = shop.wait_final([oid], context="after the order service crashed right after "
                                           "shipping and was restarted, ")[oid]
    net = shop.net_charged(oid)
    went_forward = order["status"] == "APPROVED" and net == 1500
    assert went_forward, (
        f"order {oid} had shipped when the service crashed, but after the restart it ended "
        f"{order['status']} with {cents(net)} of 15.00 charged: shipping is the pivot — once "
        "the parcel has left, the saga can only go forward (approve, tell the customer)"
    )
    shop.notified(oid, "approved")
