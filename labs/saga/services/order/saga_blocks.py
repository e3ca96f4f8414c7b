"""Building blocks of the checkout saga: what your `checkout.py` gets from the order service.

The order service calls `run(saga)` for every new order, and `resume(saga)` for every saga that
was still running when the service died (whatever its order's status). `saga` is a `Saga`:

    saga.order                   the order (id, customer, sku, qty, amount_cents, address)
    saga.status                  its current state: PENDING, APPROVED or REJECTED
    await saga.inventory.reserve(order_id, sku, qty)     compensation: release(order_id)
    await saga.payment.charge(order_id, customer, amount_cents, key=...)
                                                         compensation: refund(..., key=...)
    await saga.shipping.ship(order_id, address)          the pivot: no compensation exists
    await saga.shipping.lookup(order_id)                 the shipment, or None if none left
    await saga.inventory.stock(sku) / .adjust(sku, delta)  raw level reads and corrections
    saga.approve() / saga.reject(reason)                 the order state machine
    await saga.publish(subject, {"order_id": ...})       an event on NATS JetStream
    saga.log.write(step, state, **data)                  the durable saga log (see SagaLog)
    saga.time_left()                                     seconds until the saga deadline

The rule of thumb: everything that talks to another service is `async` (await it); everything
local to the order service (the log, approve, reject) is a plain call.

A step call either returns the participant's answer (a dict) or raises one of these (also
reachable as `saga.Refused`, `saga.Unavailable`, ... so checkout.py needs no import):
- `Refused`     the participant said no for a business reason (out of stock, card declined,
                undeliverable). Final: retrying will not change the answer. Compensate.
- `Unavailable` no usable answer: a timeout (STEP_TIMEOUT_S, 0.5 s in this lab), a refused
                connection, a 5xx. The step may or may not have happened. Retrying with the
                same idempotency key is safe; giving up means assuming it might have happened.
- `BadRequest`  the request itself was wrong (a bug in your code): fix the code.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from order_db import APPROVED, REJECTED, IllegalTransition, Orders

CRASH_POINTS = ("reserve", "release", "charge", "refund", "ship", "tell", "publish")
"""Where a check may crash the order service: right after that step's answer came back (the
service kit's crash points, armed through `POST /_admin/crash {"point": "charge"}`)."""

CrashPoint = Callable[[str, int | None], Awaitable[None]]

__all__ = [
    "BadRequest",
    "IllegalTransition",
    "Inventory",
    "LogEntry",
    "Order",
    "Payment",
    "Refused",
    "Saga",
    "SagaLog",
    "Shipping",
    "StepFailed",
    "Unavailable",
]


class StepFailed(Exception):
    """A saga step did not succeed; `step` names it ("reserve", "charge", ...)."""

    def __init__(self, step: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason
        self.status = status
        """The participant's HTTP status, None when no answer came back."""


class Refused(StepFailed):
    """The participant said no (409/402): out of stock, declined, undeliverable. Final."""


class Unavailable(StepFailed):
    """No usable answer (timeout, connection refused, 5xx): the step may or may not have run."""


class BadRequest(StepFailed):
    """The participant rejected the request as malformed (422/4xx): a bug in the caller."""


@dataclass(frozen=True)
class Order:
    id: int
    customer: str
    sku: str
    qty: int
    amount_cents: int
    address: str


@dataclass(frozen=True)
class LogEntry:
    seq: int
    step: str
    state: str
    data: dict[str, Any]
    at: float


class StepCaller:
    """Makes one HTTP call for a step and turns the outcome into a dict or a StepFailed."""

    def __init__(self, client_for: Callable[[str], httpx.AsyncClient], timeout_s: float,
                 log: Any, crash_point: CrashPoint) -> None:
        self._client_for = client_for
        self._timeout = timeout_s
        self._log = log
        self.crash_point = crash_point

    async def __call__(
        self, step: str, peer: str, method: str, path: str, *, order_id: int | None,
        body: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            response = await self._client_for(peer).request(
                method, path, json=body, headers=headers, timeout=self._timeout
            )
        except httpx.TimeoutException:
            self._log.info("step timed out", step=step, order_id=order_id, peer=peer)
            raise Unavailable(
                step, f"{peer} did not answer within {self._timeout:g} s (it may still do it)"
            ) from None
        except httpx.TransportError as exc:
            self._log.info("step unreachable", step=step, order_id=order_id, peer=peer)
            raise Unavailable(step, f"{peer} unreachable ({type(exc).__name__})") from None
        ms = round((time.perf_counter() - started) * 1000, 1)
        self._log.info("step answered", step=step, order_id=order_id, peer=peer,
                       status=response.status_code, ms=ms)
        # The participant has answered: this is the moment a crash hurts most. Only the saga's
        # steps are crash points, not the helpers (lookup, stock, adjust).
        if step in CRASH_POINTS:
            await self.crash_point(step, order_id)
        return _outcome(step, peer, response)


def _outcome(step: str, peer: str, response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = {"raw": response.text[:200]}
    if not isinstance(answer, dict):
        answer = {"value": answer}
    status = response.status_code
    if status < 300:
        return answer
    reason = str(answer.get("reason") or answer.get("error") or answer.get("detail") or status)
    if status >= 500:
        raise Unavailable(step, f"{peer} answered {status} ({reason})", status)
    if status in (402, 409):
        raise Refused(step, reason, status)
    raise BadRequest(step, f"{peer} answered {status}: {reason}", status)


class Inventory:
    def __init__(self, call: StepCaller) -> None:
        self._call = call

    async def reserve(self, order_id: int, sku: str, qty: int) -> dict[str, Any]:
        """Take `qty` units for the order, atomically; Refused when not enough are left.

        Keyed by order id: reserving again for the same order changes nothing.
        """
        return await self._call("reserve", "inventory", "POST", "/reservations",
                                order_id=order_id,
                                body={"order_id": order_id, "sku": sku, "qty": qty})

    async def release(self, order_id: int) -> dict[str, Any]:
        """Compensation of reserve: put the order's units back (once, however often called)."""
        return await self._call("release", "inventory", "POST",
                                f"/reservations/{order_id}/release", order_id=order_id)

    async def stock(self, sku: str) -> int:
        """How many units are available right now (already stale when you read it)."""
        answer = await self._call("stock", "inventory", "GET", f"/stock/{sku}", order_id=None)
        return int(answer["available"])

    async def adjust(self, sku: str, delta: int) -> int:
        """Warehouse correction: add `delta` (may be negative) WITHOUT checking the level."""
        answer = await self._call("adjust", "inventory", "POST", f"/stock/{sku}/adjust",
                                  order_id=None, body={"delta": delta})
        return int(answer["available"])


class Payment:
    def __init__(self, call: StepCaller) -> None:
        self._call = call

    async def charge(
        self, order_id: int, customer: str, amount_cents: int, *, key: str | None = None
    ) -> dict[str, Any]:
        """Charge the card; Refused when declined. `key` is the Idempotency-Key: a request
        repeated with the same key is answered from memory and charges nothing more. Without a
        key, every call is a new charge."""
        return await self._call(
            "charge", "payment", "POST", "/charges", order_id=order_id,
            body={"order_id": order_id, "customer": customer, "amount_cents": amount_cents},
            headers={"Idempotency-Key": key} if key else None,
        )

    async def refund(
        self, order_id: int, customer: str, amount_cents: int, *, key: str | None = None
    ) -> dict[str, Any]:
        """Compensation of charge: credit the card. Payment trusts you: it refunds even if
        nothing was charged. Same idempotency rules as charge."""
        return await self._call(
            "refund", "payment", "POST", "/refunds", order_id=order_id,
            body={"order_id": order_id, "customer": customer, "amount_cents": amount_cents},
            headers={"Idempotency-Key": key} if key else None,
        )


class Shipping:
    def __init__(self, call: StepCaller) -> None:
        self._call = call

    async def ship(self, order_id: int, address: str) -> dict[str, Any]:
        """The pivot: hand the parcel to the carrier. One shipment per order (a repeat returns
        the first). There is no cancel: once this succeeded, the saga must complete."""
        return await self._call("ship", "shipping", "POST", "/shipments", order_id=order_id,
                                body={"order_id": order_id, "address": address})

    async def lookup(self, order_id: int) -> dict[str, Any] | None:
        """The order's shipment if one was scheduled, else None (to learn whether the pivot
        happened after a timeout)."""
        try:
            return await self._call("lookup", "shipping", "GET", f"/orders/{order_id}/shipment",
                                    order_id=order_id)
        except BadRequest as exc:
            if exc.status == 404:
                return None
            raise


class SagaLog:
    """The saga's durable log, one per order, kept by the order service in DATA_DIR.

    `write` returns once the entry is on disk, so it survives a crash of the process. What you
    write is up to you; a common shape is `write("charge", "started", key=...)` before a step
    and `write("charge", "done")` after it, and `write("saga", "compensating")` when turning back.
    """

    def __init__(self, orders: Orders, order_id: int) -> None:
        self._orders = orders
        self._order_id = order_id

    def write(self, step: str, state: str, **data: Any) -> LogEntry:
        return LogEntry(**self._orders.log_append(self._order_id, step, state, data))

    @property
    def entries(self) -> list[LogEntry]:
        """Every entry written for this order, oldest first (read fresh from disk)."""
        return [LogEntry(**e) for e in self._orders.log_entries(self._order_id)]

    def state(self, step: str) -> str | None:
        """The last state written for `step`, or None if the step never appears."""
        found = None
        for entry in self.entries:
            if entry.step == step:
                found = entry.state
        return found

    def states(self) -> dict[str, str]:
        """The last state of every step that appears in the log."""
        return {e.step: e.state for e in self.entries}


class Saga:
    """One order's saga: its order, the participants, the log and the state machine.

    The exceptions are reachable from the saga too (`except saga.Refused:`), so checkout.py
    needs no import from the order service at run time.
    """

    StepFailed = StepFailed
    Refused = Refused
    Unavailable = Unavailable
    BadRequest = BadRequest
    IllegalTransition = IllegalTransition

    def __init__(
        self, order: dict[str, Any], orders: Orders, call: StepCaller,
        publish: Callable[..., Any], log: Any,
    ) -> None:
        self.order = Order(**{f: order[f] for f in Order.__dataclass_fields__})
        self.inventory = Inventory(call)
        self.payment = Payment(call)
        self.shipping = Shipping(call)
        self.log = SagaLog(orders, self.order.id)
        self._orders = orders
        self._publish = publish
        self._kit_log = log
        self._crash_point = call.crash_point
        self._deadline_at = float(order["deadline_at"])

    @property
    def status(self) -> str:
        current = self._orders.get(self.order.id)
        return str(current["status"]) if current else "MISSING"

    def approve(self) -> None:
        """PENDING -> APPROVED. Approving again is a no-op; approving a REJECTED order raises
        IllegalTransition."""
        self._orders.transition(self.order.id, APPROVED)
        self._kit_log.info("order approved", order_id=self.order.id)

    def reject(self, reason: str) -> None:
        """PENDING -> REJECTED (with a reason). Raises IllegalTransition on an APPROVED order."""
        self._orders.transition(self.order.id, REJECTED, reason)
        self._kit_log.info("order rejected", order_id=self.order.id, reason=reason)

    async def publish(
        self, subject: str, data: dict[str, Any], *, msg_id: str | None = None
    ) -> None:
        """Publish a JSON event on JetStream; Unavailable when NATS does not confirm it.

        `msg_id` lets JetStream drop a re-publish with the same id (within its window)."""
        # "tell": the order's state is decided and stored, the customer not told yet.
        await self._crash_point("tell", self.order.id)
        try:
            await self._publish(subject, data, msg_id=msg_id)
        except Exception as exc:
            raise Unavailable("publish", f"{subject} not confirmed by NATS: {exc}") from None
        await self._crash_point("publish", self.order.id)

    def time_left(self) -> float:
        """Seconds until this saga's deadline (negative when past it)."""
        return self._deadline_at - time.time()
