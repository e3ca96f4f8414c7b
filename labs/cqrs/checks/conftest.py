"""The `shop` fixture: the CQRS lab driven from outside, commands in, views out.

Checks give commands to the write side (orders, customers) or publish events themselves (as the
write side would, with their own ids, shuffled, duplicated, back-dated), and judge only what the
views answer over HTTP — never how the learner's projection.py is written. Every check makes its
own order ids, customer ids and revenue days, so checks never see each other's data.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

T = TypeVar("T")

VIEW_WAIT_S = 2.5
"""How long a view may lag behind an event on a quiet lab (it is milliseconds when right)."""
STATUS_RANK = {"PENDING": 0, "APPROVED": 1, "CANCELLED": 1, "SHIPPED": 2}


def cents(amount: int | None) -> str:
    return "no amount" if amount is None else f"{amount / 100:.2f}"


def deliveries(n: object) -> str:
    return "1 delivery" if n == 1 else f"{n} deliveries"


def settle(read: Callable[[], T], ok: Callable[[T], bool], within: float = VIEW_WAIT_S) -> T:
    """Read until `ok(value)` or time is up; returns the last value read (judge it after)."""
    deadline = time.monotonic() + within
    while True:
        try:
            value = read()
        except httpx.TransportError:
            value = None  # type: ignore[assignment]  # the service restarting: not yet
        if value is not None and ok(value):
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(0.05)


def describe(view: dict[str, Any] | None) -> str:
    """An order view in a few words: "APPROVED v2, 25.00, customer 'Ann', history v1 v2"."""
    if view is None:
        return "not in the view at all"
    history = " ".join(f"v{h['version']}" for h in view.get("history", [])) or "empty"
    name = view.get("customer_name")
    who = f"customer {name!r}" if name else "no customer name"
    return (f"{view.get('status')} v{view.get('version')}, {cents(view.get('amount_cents'))}, "
            f"{who}, history {history}")


def first_difference(before: str, after: str) -> str:
    """Where two answers of `Shop.raw` differ, in words: `history[0].at: '…' became '…'`."""

    def walk(a: Any, b: Any, where: str) -> str | None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                found = walk(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
                if found:
                    return found
            return None
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                found = walk(x, y, f"{where}[{i}]")
                if found:
                    return found
            return None
        return None if a == b else f"{where or 'the answer'}: {a!r} became {b!r}"

    status_a, _, body_a = before.partition(" ")
    status_b, _, body_b = after.partition(" ")
    if status_a != status_b:
        return f"it answered {status_a} before, {status_b} after"
    try:
        found = walk(json.loads(body_a), json.loads(body_b), "")
    except ValueError:
        found = None
    return found or "the same data, in different bytes (key order or spacing)"


class Shop:
    def __init__(self, http: httpx.Client, url: Callable[[str], str], events: Any) -> None:
        self.http = http
        self.url = url
        self.events = events

    # -- ids of this check -------------------------------------------------------------------------

    @staticmethod
    def new_order_id() -> int:
        # Far above the ids the orders service hands out (1, 2, 3...).
        return random.randrange(10**8, 2**31 - 1)

    @staticmethod
    def new_customer_id() -> str:
        return f"c-{uuid.uuid4().hex[:10]}"

    @staticmethod
    def new_day() -> str:
        """A day in the past that no other check uses: its revenue is this check's alone."""
        return (dt.date(1990, 1, 1) + dt.timedelta(days=random.randrange(12_000))).isoformat()

    @staticmethod
    def today() -> str:
        return dt.datetime.now(dt.UTC).date().isoformat()

    # -- commands (the write side) -----------------------------------------------------------------

    def customer(self, name: str) -> str:
        customer_id = self.new_customer_id()
        self._ok(self.http.post(f"{self.url('customers')}/customers",
                                json={"customer_id": customer_id, "name": name}), "add a customer")
        return customer_id

    def rename(self, customer_id: str, name: str) -> None:
        self._ok(self.http.post(f"{self.url('customers')}/customers/{customer_id}/rename",
                                json={"name": name}), "rename a customer")

    def order(self, customer_id: str, amount_cents: int | None = None,
              lines: list[dict[str, Any]] | None = None) -> int:  # fmt: skip
        body: dict[str, Any] = {"customer_id": customer_id}
        if lines is not None:
            body["lines"] = lines
        else:
            body["amount_cents"] = amount_cents
        response = self.http.post(f"{self.url('orders')}/orders", json=body)
        self._ok(response, "place an order")
        return int(response.json()["id"])

    def move(self, order_id: int, move: str) -> dict[str, Any]:
        response = self.http.post(f"{self.url('orders')}/orders/{order_id}/{move}")
        self._ok(response, f"{move} order {order_id}")
        return dict(response.json())

    def set_schema(self, version: int) -> None:
        self._ok(self.http.post(f"{self.url('orders')}/_admin/schema", json={"version": version}),
                 "switch the event schema")

    # -- events published by the check itself ------------------------------------------------------

    @staticmethod
    def at(day: str | None = None, hour: int = 10) -> str:
        if day is None:
            return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        return f"{day}T{hour:02d}:00:00.000000+00:00"

    def order_event(self, order_id: int, kind: str, version: int, *, customer_id: str,
                    day: str | None = None, amount_cents: int | None = None,
                    schema: int = 1,
                    data: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        if data is None:
            data = {"customer_id": customer_id}
            if kind == "order.created":
                data["amount_cents"] = amount_cents
        return {"event_id": uuid.uuid4().hex, "type": kind, "order_id": order_id,
                "version": version, "at": self.at(day, hour=9 + version), "schema": schema,
                "data": data}

    def customer_event(self, customer_id: str, kind: str, version: int,
                       name: str) -> dict[str, Any]:  # fmt: skip
        return {"event_id": uuid.uuid4().hex, "type": kind, "customer_id": customer_id,
                "version": version, "at": self.at(), "schema": 1, "data": {"name": name}}

    def publish(self, event: dict[str, Any], *, again: bool = False) -> None:
        """Publish `event` on its type's subject; `again` re-publishes it under a new message id
        (the same event_id: the same event, sent twice, as an outbox retry would)."""
        msg_id = uuid.uuid4().hex if again else event["event_id"]
        self.events.publish(event["type"], event, msg_id=msg_id)

    # -- views (the read side) ---------------------------------------------------------------------

    def view(self, order_id: int) -> dict[str, Any] | None:
        response = self.http.get(f"{self.url('order-views')}/views/orders/{order_id}")
        if response.status_code == 404:
            return None
        self._ok(response, f"read the view of order {order_id}")
        return dict(response.json())

    def customer_view(self, customer_id: str) -> dict[str, Any] | None:
        response = self.http.get(f"{self.url('order-views')}/views/customers/{customer_id}/orders")
        if response.status_code == 404:
            return None
        self._ok(response, f"read the orders of customer {customer_id}")
        return dict(response.json())

    def revenue(self, day: str) -> dict[str, Any]:
        response = self.http.get(f"{self.url('order-views')}/views/revenue", params={"day": day})
        self._ok(response, f"read the revenue of {day}")
        return dict(response.json())

    def raw(self, path: str) -> str:
        """A view's answer as the bytes a client gets (for comparing before and after)."""
        response = self.http.get(f"{self.url('order-views')}{path}")
        return f"{response.status_code} {response.text}"

    def problems(self) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.url('order-views')}/_admin/problems")
        self._ok(response, "read the problems of order-views")
        return list(response.json().get("events") or [])

    def seen(self, order_id: int, view: dict[str, Any] | None) -> str:
        """`describe(view)`, plus what order-views says about this order's events that keep
        failing or were skipped (the learner's line and exception), if anything."""
        try:
            entries = [p for p in self.problems() if p.get("order_id") == order_id]
        except (httpx.HTTPError, RuntimeError):
            entries = []
        notes = []
        for entry in entries[:2]:
            what = f"{entry.get('type')} v{entry.get('version')}"
            if entry.get("state") == "failing":
                where = f" at {entry['where']}" if entry.get("where") else ""
                notes.append(f"its {what} fails{where} with {entry.get('reason')} "
                             f"({deliveries(entry.get('deliveries'))} so far)")
            else:
                notes.append(f"its {what} was skipped: {entry.get('reason')}")
        return describe(view) + (f" ({'; '.join(notes)})" if notes else "")

    def wait_view(self, order_id: int, ok: Callable[[dict[str, Any]], bool],
                  within: float = VIEW_WAIT_S) -> dict[str, Any] | None:  # fmt: skip
        return settle(lambda: self.view(order_id), ok, within)

    def caught_up(self, within: float = VIEW_WAIT_S) -> bool:
        """Publish a marker order and wait until its view answers: whatever was published on
        the order stream before it has been handed to the projection (unless it failed)."""
        order_id = self.new_order_id()
        self.publish(self.order_event(order_id, "order.created", 1,
                                      customer_id=self.new_customer_id(), amount_cents=1))
        return bool(settle(lambda: self.view(order_id) is not None, bool, within))

    # -- the read side's admin ---------------------------------------------------------------------

    def rebuild(self, hold_s: float = 0.0) -> dict[str, Any]:
        response = self.http.post(f"{self.url('order-views')}/_admin/rebuild",
                                  json={"hold_s": hold_s})
        self._ok(response, "start a rebuild")
        return dict(response.json())

    def rebuild_status(self) -> dict[str, Any]:
        response = self.http.get(f"{self.url('order-views')}/_admin/rebuild")
        self._ok(response, "read the rebuild's state")
        return dict(response.json())

    def wait_rebuilt(self, within: float = 15.0) -> dict[str, Any]:
        status = settle(self.rebuild_status, lambda s: s["state"] != "running", within)
        assert status["state"] == "done", (
            f"the rebuild did not finish: it is {status['state']}"
            + (f" — {status['error']}" if status.get("error") else
               f" after {within:g} s, {status['events']} events replayed")
            + ". A rebuild replays every event ever published: each must apply"
        )
        return status

    def wait_down(self, service: str, within: float = 4.0) -> bool:
        def down() -> bool:
            try:
                self.http.get(f"{self.url(service)}/health", timeout=0.5)
            except httpx.TransportError:
                return True
            return False

        return bool(settle(down, bool, within))

    @staticmethod
    def _ok(response: httpx.Response, what: str) -> None:
        # These calls drive the lab itself; failing here is a lab problem, not the learner's.
        if response.status_code >= 400:
            raise RuntimeError(f"could not {what}: {response.request.method} "
                               f"{response.request.url} answered {response.status_code}: "
                               f"{response.text[:300]}")


@pytest.fixture
def shop(http: httpx.Client, service_url: Callable[[str], str], events: Any) -> Shop:
    return Shop(http, service_url, events)
