"""Replaying a JetStream stream from a sequence number: how a projection is rebuilt (CQRS).

`replay(messaging, subjects, handler, from_seq=1)` reads the stream that holds `subjects` with an
ephemeral pull consumer of its own (no acks, kept in memory on the server, gone when the replay
ends or, if the service dies mid-way, after `INACTIVE_S`), in batches, and hands each event to
`handler` in stream order. The service's durable consumers are not touched: their positions and
pending events stay as they were. It returns the stream sequence of the last event it read (or
`from_seq - 1` when there was none), so a later `replay(..., from_seq=last + 1)` goes on from
there.

It reads what the stream held when the replay began: events published meanwhile are left to the
durable consumers (or to the next replay), so a replay always ends.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from workbench.servicekit.context import bound, trace_from_headers
from workbench.servicekit.errors import KitError
from workbench.servicekit.messaging import Event, Handler

if TYPE_CHECKING:
    from workbench.servicekit.messaging import Messaging

BATCH = 256
FETCH_WAIT_S = 2.0
INACTIVE_S = 30.0
"""The server deletes a replay's consumer this long after its reader went away."""


def _subjects(subjects: str | Iterable[str]) -> list[str]:
    wanted = [subjects] if isinstance(subjects, str) else list(subjects)
    if not wanted or not all(isinstance(s, str) and s for s in wanted):
        raise KitError("replay needs at least one subject, e.g. kit.replay('order.>', handler)")
    return wanted


async def replay(
    messaging: Messaging,
    subjects: str | Iterable[str],
    handler: Handler,
    *,
    from_seq: int = 1,
    batch: int = BATCH,
) -> int:
    """Hand every stored event on `subjects` from stream sequence `from_seq` on to `handler`."""
    from nats.errors import TimeoutError as NatsTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    wanted = _subjects(subjects)
    if from_seq < 1:
        raise KitError(f"replay starts at stream sequence 1 or later, not {from_seq}")
    js = await messaging.jetstream()
    streams = {subject: await messaging.ensure_stream(subject) for subject in wanted}
    if len(set(streams.values())) > 1:
        where = ", ".join(f"{s} in {n}" for s, n in streams.items())
        raise KitError(f"replay reads one stream, but these subjects are in several: {where}")
    stream = streams[wanted[0]]
    config = ConsumerConfig(
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=from_seq,
        filter_subjects=wanted if len(wanted) > 1 else None,
        mem_storage=True,
        num_replicas=1,
        inactive_threshold=INACTIVE_S,
    )
    sub = await js.pull_subscribe(wanted[0], stream=stream, config=config)
    last = from_seq - 1
    try:
        pending = int((await sub.consumer_info()).num_pending)
        while pending > 0:
            try:
                msgs = await sub.fetch(min(batch, pending), timeout=FETCH_WAIT_S)
            except (NatsTimeout, TimeoutError):
                # Nothing came although something was pending: the stream was purged meanwhile
                # (or its limits dropped old events). What is left to read says whether to go on.
                pending = int((await sub.consumer_info()).num_pending)
                continue
            for msg in msgs:
                last = await _hand_over(msg, handler)
                pending = int(msg.metadata.num_pending)
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        with contextlib.suppress(Exception):
            await js.delete_consumer(stream, sub._consumer)
    return last


async def _hand_over(msg: Any, handler: Handler) -> int:
    headers = dict(msg.headers or {})
    seq = int(msg.metadata.sequence.stream)
    try:
        data = json.loads(msg.data or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return seq  # the consumers drop such an event too (it is not a JSON object)
    event = Event(
        subject=msg.subject,
        data=data,
        msg_id=headers.get("Nats-Msg-Id"),
        delivery=1,
        stream_seq=seq,
        headers=headers,
    )
    with bound(trace_from_headers(headers)):
        try:
            await handler(event)
        except Exception as exc:
            raise KitError(
                f"replay stopped at {event.subject} #{seq}: the handler raised "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return seq
