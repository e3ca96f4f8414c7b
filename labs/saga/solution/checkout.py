"""The checkout saga, orchestrated: reference solution.

Steps, in order, with their kinds:
    reserve  (compensable: release)      inventory
    charge   (compensable: refund)       payment
    ship     (pivot: no way back)        shipping
    approve + publish order.approved     (retryable: retried until it gets through)
A refusal or an outage before the pivot turns the saga around: the steps that happened are
compensated newest first, the order is rejected and order.rejected is published.

Every step is written to the durable saga log before it is tried ("started") and after it
answered ("done", "refused" or "unknown"), so `resume` knows where a crash left the saga. Each
command carries a key that stays the same on every retry and after a restart, so doing a step
again can never do it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the order service's module; at run time the exceptions come with `saga`
    from saga_blocks import Saga

ATTEMPTS = 5
FIRST_BACKOFF_S = 0.05
MAX_BACKOFF_S = 0.4
# Time kept back for compensation: retries forward stop early enough to still turn around.
COMPENSATION_RESERVE_S = 1.5

Action = Callable[[], Awaitable[Any]]


async def run(saga: Saga) -> None:
    """A new order: go forward, or compensate when a step before the pivot fails."""
    saga.log.write("saga", "forward")
    await _forward(saga)


async def resume(saga: Saga) -> None:
    """The service crashed while this saga ran: continue it from the log, never start over."""
    states = saga.log.states()
    if saga.status == "APPROVED":
        await _tell(saga, "order.approved")  # the crash may have eaten the event
    elif saga.status == "REJECTED":
        await _tell(saga, "order.rejected")
    elif states.get("saga") == "compensating":
        await _compensate(saga, "resumed after a crash while compensating")
    else:
        await _forward(saga)


async def _forward(saga: Saga) -> None:
    order = saga.order
    try:
        await _step(saga, "reserve", lambda: saga.inventory.reserve(order.id, order.sku, order.qty))
        await _step(
            saga, "charge",
            lambda: saga.payment.charge(order.id, order.customer, order.amount_cents,
                                        key=f"charge-{order.id}"),
        )
    except saga.StepFailed as failed:
        await _compensate(saga, f"{failed.step}: {failed.reason}")
        return
    if not await _pivot(saga):
        return
    saga.approve()
    await _tell(saga, "order.approved")


async def _pivot(saga: Saga) -> bool:
    """Ship. True once shipped; False when the saga was turned around instead."""
    order = saga.order
    try:
        await _step(saga, "ship", lambda: saga.shipping.ship(order.id, order.address))
        return True
    except saga.Refused as refused:
        await _compensate(saga, f"ship: {refused.reason}")
        return False
    except saga.Unavailable as unavailable:
        # We do not know whether the parcel left. Ask before turning back: if it did, the
        # pivot has happened and the only way is forward.
        try:
            shipped = await _retry(saga, lambda: saga.shipping.lookup(order.id), attempts=3)
        except saga.Unavailable:
            shipped = None
        if shipped:
            saga.log.write("ship", "done", found_by="lookup")
            return True
        await _compensate(saga, f"ship: {unavailable.reason}")
        return False


async def _compensate(saga: Saga, reason: str) -> None:
    """Undo the compensable steps that (may) have happened, newest first; then reject."""
    order = saga.order
    saga.log.write("saga", "compensating", reason=reason)
    states = saga.log.states()
    charge = states.get("charge")
    maybe_charged = charge in ("started", "done", "unknown") and states.get("refund") != "done"
    if maybe_charged and await _was_charged(saga, charge):
        saga.log.write("refund", "started")
        await _retry(saga, lambda: saga.payment.refund(
            order.id, order.customer, order.amount_cents, key=f"refund-{order.id}"),
            until_deadline=True)
        saga.log.write("refund", "done")
    maybe_reserved = states.get("reserve") in ("started", "done", "unknown")
    if maybe_reserved and states.get("release") != "done":
        saga.log.write("release", "started")
        # Release is keyed by order id and safe even if the reserve never arrived.
        await _retry(saga, lambda: saga.inventory.release(order.id), until_deadline=True)
        saga.log.write("release", "done")
    if saga.status == "PENDING":
        saga.reject(reason)
    await _tell(saga, "order.rejected")


async def _was_charged(saga: Saga, state: str | None) -> bool:
    """Whether a charge exists. If its outcome is unknown, repeating it with the same key
    settles it: payment answers with the first result, or makes the charge now (which the
    refund then undoes)."""
    if state == "done":
        return True
    order = saga.order
    try:
        # Part of turning back, so it may use the time kept for compensation.
        await _retry(saga, lambda: saga.payment.charge(
            order.id, order.customer, order.amount_cents, key=f"charge-{order.id}"),
            until_deadline=True)
    except saga.Refused:
        return False
    return True


async def _step(saga: Saga, name: str, action: Action) -> None:
    if saga.log.state(name) == "done":
        return  # resumed: this step finished before the crash
    saga.log.write(name, "started")
    try:
        answer = await _retry(saga, action)
    except saga.Refused:
        saga.log.write(name, "refused")
        raise
    except saga.Unavailable:
        saga.log.write(name, "unknown")
        raise
    saga.log.write(name, "done", answer=answer)


async def _tell(saga: Saga, subject: str) -> None:
    """The retryable step: it is never compensated, only tried again."""
    order = saga.order
    await _retry(
        saga,
        lambda: saga.publish(subject, {"order_id": order.id, "customer": order.customer,
                                       "status": saga.status}, msg_id=f"{subject}:{order.id}"),
        until_deadline=True,
    )


async def _retry(
    saga: Saga, action: Action, *, attempts: int = ATTEMPTS, until_deadline: bool = False
) -> Any:
    """Retry `action` on Unavailable with exponential back-off; Refused is final at once.

    Forward steps stop after `attempts` or when only the compensation reserve is left;
    compensations and the retryable step keep going until the deadline itself.
    """
    delay = FIRST_BACKOFF_S
    attempt = 1
    while True:
        try:
            return await action()
        except saga.Unavailable:
            budget = saga.time_left() - (0 if until_deadline else COMPENSATION_RESERVE_S)
            if (not until_deadline and attempt >= attempts) or budget < delay:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF_S)
        attempt += 1
