"""NATS JetStream for lab services: one reconnecting connection, idempotent streams, durable
pull consumers that ack after the handler returns (at-least-once), and per-subject counts.

Streams are made on first use, one per first subject token (`order.created` -> stream `ORDER`
with subjects `order` and `order.>`), unless a stream that already covers the subject exists.
Delivery is at least once: a handler that raises is retried (nak with a short back-off), and a
service that dies mid-handler sees the event again after `ack_wait`. Handlers must therefore be
idempotent; the event's `msg_id` and `delivery` count are there to make that easy.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.servicekit.context import (
    Trace,
    bound,
    current,
    new_trace,
    trace_from_headers,
    unbound,
)
from workbench.servicekit.errors import KitError

if TYPE_CHECKING:
    from workbench.servicekit.config import Settings
    from workbench.servicekit.logs import KitLogger
    from workbench.servicekit.stats import Stats

CONNECT_TIMEOUT_S = 5.0
# One message per pull: nats-py holds a batch pull open until the batch is full or the wait
# ends, which would delay a lone event by up to FETCH_WAIT_S; lab traffic is small anyway.
FETCH_BATCH = 1
FETCH_WAIT_S = 1.0
RETRY_PAUSE_S = 0.5
IDLE_CHECK_S = 5.0
CLOSE_TIMEOUT_S = 0.5
STOP_GRACE_S = 1.0
PUBLISH_ROUND_S = 1.0


@dataclass(frozen=True)
class Event:
    """One delivery of a JetStream message to a handler."""

    subject: str
    data: dict[str, Any]
    msg_id: str | None
    """The publisher's `Nats-Msg-Id` (JetStream drops re-publishes with the same id)."""
    delivery: int
    """1 on first delivery, 2+ when redelivered (handler failed or did not ack in time)."""
    stream_seq: int
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def redelivered(self) -> bool:
        return self.delivery > 1


Handler = Callable[[Event], Awaitable[None]]


@dataclass(frozen=True)
class Published:
    subject: str
    stream: str
    seq: int
    duplicate: bool
    """True when JetStream already had a message with this msg_id (nothing new stored)."""


@dataclass
class Consumer:
    subject: str
    handler: Handler
    durable: str
    ack_wait_s: float
    subscribed: bool = False
    problem: str | None = "not subscribed yet"
    busy: bool = False
    """A handler is running (a stop lets it finish)."""
    task: asyncio.Task[None] | None = None


def stream_for(subject: str) -> tuple[str, list[str]]:
    """Default stream for a subject: `order.created` -> ORDER with [order, order.>]."""
    token = subject.split(".", 1)[0]
    if not token or token in ("*", ">"):
        raise KitError(f"cannot make a stream for {subject!r}: its first token must be a name")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", token).upper()
    return name, [token, f"{token}.>"]


def durable_name(service: str, subject: str) -> str:
    readable = subject.replace("*", "any").replace(">", "all")
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{service}-{readable}")


async def _keep_in_progress(msg: Any, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        with contextlib.suppress(Exception):
            await msg.in_progress()


def _decode(raw: bytes | None) -> dict[str, Any] | None:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class Messaging:
    def __init__(self, settings: Settings, stats: Stats, log: KitLogger) -> None:
        self._settings = settings
        self._stats = stats
        self._log = log
        self._nc: Any = None
        self._js: Any = None
        self._connecting: asyncio.Lock | None = None
        self._streams: dict[str, str] = {}
        self._stopping = False
        self._started = False
        self._resumed: asyncio.Event | None = None
        """Set while consumers may handle events; cleared by `pause` (made lazily: needs a loop)."""
        self.consumers: list[Consumer] = []

    @property
    def connected(self) -> bool:
        return self._nc is not None and bool(self._nc.is_connected)

    async def connect(self, timeout: float = CONNECT_TIMEOUT_S) -> Any:
        """The shared connection; it reconnects on its own once made."""
        if self._nc is not None and not self._nc.is_closed:
            return self._nc
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._nc is not None and not self._nc.is_closed:
                return self._nc
            url = self._settings.require_nats()
            from nats.aio.client import Client

            nc = Client()
            log = self._log

            async def on_error(exc: Exception) -> None:
                log.debug("nats error", error=repr(exc))

            async def on_disconnect() -> None:
                log.warning("nats disconnected", url=url)

            async def on_reconnect() -> None:
                log.info("nats reconnected", url=url)

            connecting = nc.connect(
                url,
                name=self._settings.service,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,  # type: ignore[arg-type]  # float works
                connect_timeout=2,
                error_cb=on_error,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
            )
            try:
                # nats-py's reader and callback tasks copy the context now: keep the request
                # that happened to trigger the connection out of every later log line.
                with unbound():
                    await asyncio.wait_for(connecting, timeout)
            except (TimeoutError, OSError) as exc:
                with contextlib.suppress(Exception):
                    await nc.close()
                raise KitError(f"cannot reach NATS at {url} (waited {timeout:.0f} s)") from exc
            self._nc, self._js = nc, nc.jetstream()
            self._log.info("nats connected", url=url)
            return nc

    async def jetstream(self) -> Any:
        await self.connect()
        return self._js

    async def ensure_stream(self, subject: str) -> str:
        """The stream holding `subject`, made if none does yet (idempotent, safe to race)."""
        if subject in self._streams:
            return self._streams[subject]
        js = await self.jetstream()
        from nats.js.errors import NotFoundError

        try:
            stream = await js.find_stream_name_by_subject(subject)
        except NotFoundError:
            name, subjects = stream_for(subject)
            try:
                await js.add_stream(name=name, subjects=subjects)
            except Exception as exc:
                # Another service may have made it a moment ago; only fail if it still is missing.
                try:
                    await js.stream_info(name)
                except NotFoundError:
                    raise KitError(f"cannot create stream {name} for {subject}: {exc}") from exc
            stream = name
        self._streams[subject] = stream
        return str(stream)

    async def publish(
        self,
        subject: str,
        payload: dict[str, Any],
        *,
        msg_id: str | None = None,
        timeout: float = 5.0,
    ) -> Published:
        trace = current() or new_trace()
        headers = trace.outgoing_headers()
        if msg_id:
            headers["Nats-Msg-Id"] = msg_id
        body = json.dumps(payload, separators=(",", ":")).encode()
        from nats.errors import NoRespondersError

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            js = await self.jetstream()
            # A publish sent while reconnecting is lost with its reply: wait for the link first.
            while not self._nc.is_connected and loop.time() < deadline:
                await asyncio.sleep(0.05)
            stream = await self.ensure_stream(subject)
            left = max(deadline - loop.time(), 0.1)
            try:
                # With a msg_id a lost reply is safe to retry (JetStream drops the duplicate),
                # so try in short rounds; without one, one attempt gets the whole timeout.
                ack = await js.publish(
                    subject,
                    body,
                    timeout=min(left, PUBLISH_ROUND_S) if msg_id else left,
                    stream=stream,
                    headers=headers,
                )
                break
            except Exception as exc:
                self._streams.pop(subject, None)
                # No responders: no stream takes the subject (a broker restarted without its
                # store, or not ready yet): nothing was stored, so trying again is safe.
                safe = isinstance(exc, NoRespondersError) or (
                    msg_id is not None and isinstance(exc, TimeoutError)
                )
                if not safe or loop.time() >= deadline:
                    raise KitError(
                        f"could not publish {subject}: {type(exc).__name__}: {exc}"
                    ) from exc
                await asyncio.sleep(0.05)
        self._stats.published(subject)
        self._stats.trace.note(
            "published", subject=subject, seq=int(ack.seq), msg_id=msg_id,
            duplicate=bool(ack.duplicate) or None,
        )  # fmt: skip
        self._log.info(
            "published", subject=subject, seq=ack.seq, msg_id=msg_id, duplicate=bool(ack.duplicate)
        )
        return Published(subject, str(ack.stream), int(ack.seq), bool(ack.duplicate))

    def add_consumer(
        self,
        subject: str,
        handler: Handler,
        *,
        durable: str | None = None,
        ack_wait_s: float = 10.0,
    ) -> Consumer:
        """Register a consumer; it runs from start-up on, or at once if the service runs."""
        consumer = Consumer(
            subject, handler, durable or durable_name(self._settings.service, subject), ack_wait_s
        )
        self.consumers.append(consumer)
        if self._started:
            self.start_consumers()
        return consumer

    def start_consumers(self) -> None:
        self._stopping, self._started = False, True
        for consumer in self.consumers:
            if consumer.task is None or consumer.task.done():
                consumer.task = asyncio.get_running_loop().create_task(
                    self._run(consumer), name=f"consumer {consumer.durable}"
                )

    async def _subscribe(self, consumer: Consumer) -> Any:
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        js = await self.jetstream()
        stream = await self.ensure_stream(consumer.subject)
        config = ConsumerConfig(
            durable_name=consumer.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=consumer.ack_wait_s,
            filter_subject=consumer.subject,
        )
        return await js.pull_subscribe(
            consumer.subject, durable=consumer.durable, stream=stream, config=config
        )

    async def _run(self, consumer: Consumer) -> None:
        """Subscribe (retrying until NATS answers), then fetch and handle forever."""
        from nats.errors import TimeoutError as NatsTimeout

        loop = asyncio.get_running_loop()
        while True:
            try:
                sub = await self._subscribe(consumer)
                consumer.subscribed, consumer.problem = True, None
                self._log.info("subscribed", subject=consumer.subject, durable=consumer.durable)
                idle_since = loop.time()
                while True:
                    await self._until_resumed()
                    try:
                        msgs = await sub.fetch(FETCH_BATCH, timeout=FETCH_WAIT_S)
                    except (NatsTimeout, TimeoutError):
                        if loop.time() - idle_since > IDLE_CHECK_S:
                            # A broker that lost its state (restarted without its store) makes
                            # fetches time out forever: ask, and resubscribe if it is gone.
                            await sub.consumer_info()
                            idle_since = loop.time()
                        continue
                    idle_since = loop.time()
                    for msg in msgs:
                        # Paused while this fetch was out: hold the event, unacked and kept in
                        # progress, and hand it over on resume (a pause loses nothing).
                        await self._until_resumed(msg, consumer.ack_wait_s)
                        consumer.busy = True
                        try:
                            await self._handle(consumer, msg)
                        finally:
                            consumer.busy = False
                    if self._stopping:
                        return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._streams.pop(consumer.subject, None)
                consumer.subscribed = False
                consumer.problem = f"consumer of {consumer.subject}: {type(exc).__name__}: {exc}"
                self._log.warning(
                    "consumer interrupted, retrying", subject=consumer.subject, error=repr(exc)
                )
                await asyncio.sleep(RETRY_PAUSE_S)

    async def _handle(self, consumer: Consumer, msg: Any) -> None:
        headers = dict(msg.headers or {})
        meta = msg.metadata
        trace: Trace = trace_from_headers(headers)
        with bound(trace):
            data = _decode(msg.data)
            if data is None:
                # A message no handler can ever read: drop it for good instead of looping.
                self._log.error("dropping event that is not a JSON object", subject=msg.subject)
                await msg.term()
                return
            event = Event(
                subject=msg.subject,
                data=data,
                msg_id=headers.get("Nats-Msg-Id"),
                delivery=int(meta.num_delivered),
                stream_seq=int(meta.sequence.stream),
                headers=headers,
            )
            # A slow handler (a peer under a latency fault) is still working, not dead: tell
            # JetStream so, or it would redeliver the event while the first try is running.
            keepalive = asyncio.get_running_loop().create_task(
                _keep_in_progress(msg, consumer.ack_wait_s / 2)
            )
            try:
                await consumer.handler(event)
            except Exception as exc:
                self._stats.trace.note(
                    "failed", subject=event.subject, delivery=event.delivery,
                    msg_id=event.msg_id, error=f"{type(exc).__name__}: {exc}"[:300],
                )  # fmt: skip
                self._log.exception(
                    "handler failed, event will be redelivered",
                    subject=event.subject,
                    delivery=event.delivery,
                )
                await msg.nak(delay=min(0.2 * event.delivery, 2.0))
                return
            finally:
                keepalive.cancel()
            await msg.ack()
            self._stats.consumed(event.subject)
            self._stats.trace.note(
                "consumed", subject=event.subject, seq=event.stream_seq,
                delivery=event.delivery, msg_id=event.msg_id,
            )  # fmt: skip
            self._log.info(
                "consumed", subject=event.subject, delivery=event.delivery, msg_id=event.msg_id
            )

    @property
    def paused(self) -> bool:
        return self._resumed is not None and not self._resumed.is_set()

    async def pause(self, grace_s: float = 30.0) -> None:
        """Stop handing events to the consumers; returns once no handler runs (or `grace_s`).

        A paused consumer acks nothing: events stay in the stream (an event fetched just before
        the pause is held, in progress, until `resume`).
        """
        if self._resumed is None:
            self._resumed = asyncio.Event()
        self._resumed.clear()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while any(c.busy for c in self.consumers) and loop.time() < deadline:
            await asyncio.sleep(0.01)

    def resume(self) -> None:
        """Hand events to the consumers again, starting with any event held by the pause."""
        if self._resumed is not None:
            self._resumed.set()

    async def _until_resumed(self, held: Any = None, ack_wait_s: float = 10.0) -> None:
        if not self.paused or self._resumed is None:
            return
        keepalive = None
        if held is not None:
            keepalive = asyncio.get_running_loop().create_task(
                _keep_in_progress(held, ack_wait_s / 2)
            )
        try:
            await self._resumed.wait()
        finally:
            if keepalive is not None:
                keepalive.cancel()

    async def stop_consumers(self, grace_s: float = STOP_GRACE_S) -> None:
        """Stop fetching; a handler that is running gets `grace_s` to finish and ack."""
        self._stopping, self._started = True, False
        tasks = {c.task: c for c in self.consumers if c.task is not None}
        for task, consumer in tasks.items():
            if not consumer.busy:
                task.cancel()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace_s)
            for task in late:
                task.cancel()  # its event is redelivered after ack_wait: at least once
            await asyncio.gather(*tasks, return_exceptions=True)
        for consumer in self.consumers:
            consumer.task = None
            consumer.subscribed, consumer.problem = False, "stopped"

    async def close(self) -> None:
        await self.stop_consumers()
        if self._nc is not None:
            nc, self._nc, self._js = self._nc, None, None
            # Drain flushes what is still buffered, but never let a broker that is gone (a whole
            # lab stopping at once) hold up the service's exit.
            if nc.is_connected:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(nc.drain(), CLOSE_TIMEOUT_S)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), CLOSE_TIMEOUT_S)
