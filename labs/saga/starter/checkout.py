"""The checkout: the file you edit in this lab.

The order service calls `run(saga)` for every new order, right after storing it as PENDING, and
`resume(saga)` for every saga that was still running when the service died. `saga` gives you the
order, a client for each participant, the order state machine, a publish function and a durable
saga log — see `services/order/saga_blocks.py` in the lab (and the exercise pages) for all of it:

    order = saga.order                      # id, customer, sku, qty, amount_cents, address
    await saga.inventory.reserve(order.id, order.sku, order.qty)   # undo: release(order.id)
    await saga.payment.charge(order.id, order.customer, order.amount_cents, key=...)
                                            # undo: refund(order.id, ..., key=...)
    await saga.shipping.ship(order.id, order.address)              # the pivot: no undo
    saga.approve() / saga.reject(reason)
    await saga.publish("order.approved", {"order_id": order.id})
    saga.log.write(step, state, **data)     # durable; saga.log.state(step), saga.log.entries

Step calls raise `saga.Refused` (the participant said no: final) or `saga.Unavailable` (no answer
in time: it may or may not have happened).

Today's checkout is the one most demo shops ship: it takes the money and sends the parcel, and
works as long as nothing goes wrong. Save the file and the order service reloads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for your editor; at run time the exceptions come with `saga`
    from saga_blocks import Saga


async def run(saga: Saga) -> None:
    order = saga.order

    # TODO(happy-path): reserve the stock first — never take money for stock you may not have.
    await saga.payment.charge(order.id, order.customer, order.amount_cents)
    await saga.shipping.ship(order.id, order.address)
    saga.approve()
    # TODO(happy-path): tell the customer: publish "order.approved" with {"order_id": order.id}.

    # TODO(compensation): when a step before shipping fails (Refused), undo the steps that
    #   happened, newest first; reject the order and publish "order.rejected".
    # TODO(retries): Unavailable is not a "no": retry with back-off, with an idempotency key that
    #   stays the same on every attempt, and give up in time to compensate before the deadline.
    # TODO(crash-resume): write each step to saga.log before and after you do it.
    # TODO(concurrency): make sure two orders can never sell the same last unit.


async def resume(saga: Saga) -> None:
    """Called after a crash for each saga that was running: finish it or compensate it."""
    # TODO(crash-resume): read saga.log and continue from where the saga stopped. A step that
    #   was started but not finished may or may not have happened. Past the pivot, only forward.
    return None
