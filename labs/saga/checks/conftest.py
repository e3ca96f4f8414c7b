"""The `shop` fixture: the saga lab's services, driven from outside over HTTP.

Checks place orders through the order service and judge the outcome only by what the
participants recorded — stock levels, the payment ledger, shipments, notifications — never by
how the learner's checkout.py is written. Every check makes its own SKU and customers, so checks
never see each other's orders.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest

from workbench.checks import eventually

FINAL = ("APPROVED", "REJECTED")


def cents(amount: int) -> str:
    return f"{amount / 100:.2f}"


class Shop:
    def __init__(self, http: httpx.Client, url: Callable[[str], str], deadline_s: float) -> None:
        self.http = http
        self.url = url
        self.deadline_s = deadline_s
        """The saga deadline the order service gives every saga (SAGA_DEADLINE_S in lab.yaml)."""

    # -- set-up -------------------------------------------------------------------------------

    def new_sku(self, available: int) -> str:
        sku = f"sku-{uuid.uuid4().hex[:8]}"
        self._ok(self.http.put(f"{self.url('inventory')}/stock/{sku}",
                               json={"available": available}), "set the stock")
        return sku

    def new_customer(self, credit_limit_cents: int | None = None) -> str:
        customer = f"cust-{uuid.uuid4().hex[:8]}"
        if credit_limit_cents is not None:
            self._ok(self.http.put(f"{self.url('payment')}/customers/{customer}",
                                   json={"credit_limit_cents": credit_limit_cents}),
                     "set a credit limit")
        return customer

    def place(
        self, customer: str, sku: str, qty: int = 1, amount_cents: int = 2500,
        timeout: float | None = None, address: str | None = None,
    ) -> int:
        body: dict[str, Any] = {"customer": customer, "sku": sku, "qty": qty,
                                "amount_cents": amount_cents}
        if address is not None:
            body["address"] = address
        response = self.http.post(
            f"{self.url('order')}/orders",
            json=body,
            **({"timeout": timeout} if timeout is not None else {}),
        )
        self._ok(response, "place an order")
        return int(response.json()["id"])

    # -- what the services recorded -----------------------------------------------------------

    def order(self, order_id: int) -> dict[str, Any]:
        response = self.http.get(f"{self.url('order')}/orders/{order_id}")
        self._ok(response, f"read order {order_id}")
        return dict(response.json())

    def orders(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        wanted = ",".join(str(i) for i in ids)
        response = self.http.get(f"{self.url('order')}/orders", params={"ids": wanted})
        self._ok(response, "read orders")
        return {int(o["id"]): o for o in response.json()["orders"]}

    def stock(self, sku: str) -> dict[str, Any]:
        response = self.http.get(f"{self.url('inventory')}/stock/{sku}")
        self._ok(response, "read the stock")
        return dict(response.json())

    def reservation(self, order_id: int) -> dict[str, Any] | None:
        response = self.http.get(f"{self.url('inventory')}/reservations/{order_id}")
        if response.status_code == 404:
            return None
        self._ok(response, "read a reservation")
        return dict(response.json())

    def ledger(self, order_id: int) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.url('payment')}/ledger", params={"order_id": order_id})
        self._ok(response, "read the ledger")
        return list(response.json()["entries"])

    def charges(self, order_id: int) -> list[dict[str, Any]]:
        return [e for e in self.ledger(order_id) if e["kind"] == "charge"]

    def refunds(self, order_id: int) -> list[dict[str, Any]]:
        return [e for e in self.ledger(order_id) if e["kind"] == "refund"]

    def net_charged(self, order_id: int) -> int:
        return sum(e["amount_cents"] * (1 if e["kind"] == "charge" else -1)
                   for e in self.ledger(order_id))

    def shipment(self, order_id: int) -> dict[str, Any] | None:
        response = self.http.get(f"{self.url('shipping')}/orders/{order_id}/shipment")
        if response.status_code == 404:
            return None
        self._ok(response, "read a shipment")
        return dict(response.json())

    def notifications(self, order_id: int) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.url('notification')}/notifications",
                                 params={"order_id": order_id})
        self._ok(response, "read notifications")
        return list(response.json()["notifications"])

    # -- waiting --------------------------------------------------------------------------------

    def wait_final(self, ids: list[int], within: float | None = None,
                   context: str = "") -> dict[int, dict[str, Any]]:
        """Wait until every order is APPROVED or REJECTED and its saga has ended; return them.

        A saga is judged once it has ended (run() or resume() returned or raised), not at the
        moment its order turned final: what it does after approve() or reject() counts too.
        Fails at once for an order whose saga has ended while the order is still PENDING, and
        for a saga that ended by raising (the order service keeps the exception on the order):
        nothing will ever finish that saga's work. Otherwise fails after the saga deadline
        (plus slack for a loaded machine).
        """
        limit = time.monotonic() + (within if within is not None else self.deadline_s + 2.0)
        while True:
            found = self.orders(ids)
            stuck = [o for o in found.values() if o["status"] not in FINAL]
            raised = [o for o in found.values()
                      if o["status"] in FINAL and not o.get("saga_open", False) and o.get("error")]
            if raised:
                first = raised[0]
                raise AssertionError(
                    f"{context}order {first['id']} ended {first['status']}, but its saga stopped "
                    f"with an exception: {first['error']}. A saga must finish its work and "
                    "return; an exception after approve() or reject() leaves that work undone"
                )
            running = [o for o in found.values() if o.get("saga_open", False)]
            if not stuck and not running and len(found) == len(ids):
                return found
            ended = [o for o in stuck if not o.get("saga_open", True)]
            if ended or time.monotonic() > limit:
                if not ended and not stuck and running:
                    first = running[0]
                    raise AssertionError(
                        f"{context}order {first['id']} is {first['status']}, but its saga is "
                        f"still running after the {self.deadline_s:g} s saga deadline: a saga "
                        "must end (stop retrying) once its deadline has passed"
                    )
                first = (ended or stuck)[0]
                why = (f"its saga stopped with: {first['error']}" if first.get("error")
                       else "its saga never finished" if ended
                       else f"it is still PENDING after the {self.deadline_s:g} s saga deadline")
                more = f" ({len(stuck)} of {len(ids)} orders are stuck)" if len(ids) > 1 else ""
                raise AssertionError(
                    f"{context}order {first['id']} is stuck in PENDING{more}: {why}. Every saga "
                    "must end with the order APPROVED or REJECTED, also when a step fails"
                )
            time.sleep(0.05)

    def notified(self, order_id: int, kind: str, within: float = 3.0) -> list[dict[str, Any]]:
        """Wait for the `kind` notification of an order; returns every notification it got."""
        subject = f"order.{kind}"
        eventually(
            lambda: any(n["kind"] == kind for n in self.notifications(order_id)),
            within=within,
            message=(f"order {order_id} is {kind.upper()} but the customer was never told: "
                     f"notification got no {subject} event for it. Publish {subject} with "
                     f'{{"order_id": order.id}} after the order is {kind}'),
        )
        told = self.notifications(order_id)
        other = "rejected" if kind == "approved" else "approved"
        assert not any(n["kind"] == other for n in told), (
            f"order {order_id} is {kind.upper()}, but its customer was also told it was {other} "
            f"(notification got order.{other} for it): publish only the outcome the order has"
        )
        return told

    # -- faults the fixture does not cover --------------------------------------------------------

    def settle(self, ids: list[int], within: float) -> None:
        """Wait until no order is PENDING with its saga still running (or time is up)."""
        limit = time.monotonic() + within
        while time.monotonic() < limit:
            found = self.orders(ids)
            if all(o["status"] in FINAL or not o.get("saga_open", True)
                   for o in found.values()) and len(found) == len(ids):
                return
            time.sleep(0.05)

    def wait_down(self, service: str, within: float = 5.0) -> None:
        def down() -> bool:
            try:
                self.http.get(f"{self.url(service)}/health", timeout=0.5)
            except httpx.TransportError:
                return True
            return False

        eventually(down, within=within,
                   message=f"the {service} service was armed to crash but is still running: "
                           "did the saga reach that step?")

    def lift_faults(self, service: str) -> None:
        """End the request-level faults of a service now (the fixture would at the check's end)."""
        self._ok(self.http.delete(f"{self.url(service)}/_admin/faults"), "clear faults")

    @staticmethod
    def _ok(response: httpx.Response, what: str) -> None:
        # These calls drive the lab itself; failing here is a lab problem, not the learner's.
        if response.status_code >= 400:
            raise RuntimeError(f"could not {what}: {response.request.method} "
                               f"{response.request.url} answered {response.status_code}: "
                               f"{response.text[:300]}")


@pytest.fixture
def shop(http: httpx.Client, service_url: Callable[[str], str], lab: Any) -> Shop:
    deadline = float(lab.service("order").env.get("SAGA_DEADLINE_S", "6"))
    return Shop(http, service_url, deadline)
