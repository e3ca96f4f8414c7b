"""The `events` fixture's object: the lab's NATS from a check, without async code.

Runs inside the checks' pytest process. nats-py is asyncio-only and lab checks are plain
functions, so `Events` runs one event loop in a thread of its own and waits for each call::

    def test_a_duplicate_event_is_handled_once(events, shop):
        events.publish("payment.settled", {"order_id": 7}, msg_id="settle-7")
        events.publish("payment.settled", {"order_id": 7}, msg_id="settle-7")  # deduplicated
        approved = events.collect("order.approved", within=3, count=1)
        assert approved and approved[0].data["order_id"] == 7

`publish` stores the event in JetStream (making the subject's stream as the service kit does,
`order.created` -> `ORDER`, if none holds it yet) and returns its stream sequence. `collect`
returns the events on a subject (wildcards allowed) published since the check began: from the
stream when one holds the subject, so an event published before `collect` was called is not
missed; a subject no stream holds is plain NATS, heard only from the moment `collect` is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

CALL_SLACK_S = 5.0
FETCH_WAIT_S = 0.25


class EventsError(Exception):
    """The broker could not be reached or refused; the message is for the learner."""


@dataclass(frozen=True)
class Message:
    subject: str
    data: Any
    """The payload decoded as JSON, or None when it is not JSON (see `raw`)."""
    raw: bytes
    headers: dict[str, str] = field(default_factory=dict)
    msg_id: str | None = None
    seq: int | None = None
    """Stream sequence (None for a plain NATS message)."""


def _stream_for(subject: str) -> tuple[str, list[str]]:
    # The service kit's convention (`workbench.servicekit.messaging.stream_for`), repeated so
    # the checks' process does not load the kit (and FastAPI with it).
    token = subject.split(".", 1)[0]
    name = re.sub(r"[^A-Za-z0-9_-]", "_", token).upper()
    return name, [token, f"{token}.>"]


def _encode(payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode()
    return json.dumps(payload, separators=(",", ":")).encode()


def _message(msg: Any, seq: int | None) -> Message:
    headers = {str(k): str(v) for k, v in (msg.headers or {}).items()}
    try:
        data = json.loads(msg.data) if msg.data else None
    except ValueError:
        data = None
    return Message(
        msg.subject, data, bytes(msg.data or b""), headers, headers.get("Nats-Msg-Id"), seq
    )


class Events:
    """Publish to and collect from the lab's NATS broker, synchronously (see the module doc)."""

    def __init__(self, nats_url: str, *, since: float | None = None) -> None:
        self.nats_url = nats_url
        self.since = since if since is not None else time.time()
        """Wall-clock time from which `collect` looks (the check's start)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._nc: Any = None

    # -- the loop thread -------------------------------------------------------------------------

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="events", daemon=True
            )
            self._thread.start()
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout + CALL_SLACK_S)
        except TimeoutError:
            future.cancel()
            raise EventsError(
                f"the lab's NATS broker ({self.nats_url}) did not answer in time"
            ) from None

    async def _connect(self) -> Any:
        if self._nc is not None and not self._nc.is_closed:
            return self._nc
        import nats

        try:
            self._nc = await nats.connect(
                self.nats_url, connect_timeout=2, max_reconnect_attempts=2, allow_reconnect=True
            )
        except Exception as exc:
            raise EventsError(
                f"cannot reach the lab's NATS broker at {self.nats_url} ({type(exc).__name__})"
            ) from None
        return self._nc

    def close(self) -> None:
        if self._loop is None:
            return
        if self._nc is not None:
            with contextlib.suppress(Exception):
                self._run(self._nc.close(), 2.0)
            self._nc = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(2.0)
        self._loop.close()
        self._loop, self._thread = None, None

    # -- publish -------------------------------------------------------------------------------

    def publish(
        self,
        subject: str,
        payload: Any,
        msg_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 5.0,
    ) -> int:
        """Store `payload` (a dict or list as JSON, str or bytes as they are) on `subject` in
        JetStream; `msg_id` sets `Nats-Msg-Id` (JetStream drops a re-publish with the same id).
        Returns the event's stream sequence (the first one's, for a dropped duplicate)."""
        return self._run(self._publish(subject, payload, msg_id, headers, timeout), timeout)

    async def _publish(
        self,
        subject: str,
        payload: Any,
        msg_id: str | None,
        headers: Mapping[str, str] | None,
        timeout: float,
    ) -> int:
        from nats.errors import NoRespondersError
        from nats.js.errors import NoStreamResponseError, NotFoundError

        nc = await self._connect()
        js = nc.jetstream()
        from workbench.checks import trace

        # The check's request id rides along: the consumers' work is noted under it.
        sent = {**trace.headers(), **dict(headers or {})}
        if msg_id:
            sent["Nats-Msg-Id"] = msg_id
        for attempt in range(2):
            try:
                ack = await js.publish(subject, _encode(payload), timeout=timeout, headers=sent)
                trace.check_published(subject, int(ack.seq), msg_id)
                return int(ack.seq)
            except (NoRespondersError, NoStreamResponseError):  # no stream takes the subject
                if attempt:
                    break
                name, subjects = _stream_for(subject)
                try:
                    await js.add_stream(name=name, subjects=subjects)
                except Exception:
                    with contextlib.suppress(NotFoundError):
                        await js.stream_info(name)  # made meanwhile by a service: fine
            except Exception as exc:
                raise EventsError(
                    f"could not publish {subject}: {type(exc).__name__}: {exc}"
                ) from None
        raise EventsError(f"could not publish {subject}: no stream takes it")

    # -- collect -------------------------------------------------------------------------------

    def collect(
        self, subject: str, within: float = 2.0, *, count: int | None = None
    ) -> list[Message]:
        """The events on `subject` published since the check began: as soon as there are
        `count` of them, or all that came within `within` seconds."""
        return self._run(self._collect(subject, within, count), within)

    async def _collect(self, subject: str, within: float, count: int | None) -> list[Message]:
        from nats.js.errors import NotFoundError

        nc = await self._connect()
        js = nc.jetstream()
        try:
            stream = await js.find_stream_name_by_subject(subject)
        except NotFoundError:
            return await self._collect_plain(nc, subject, within, count)
        return await self._collect_stream(js, stream, subject, within, count)

    async def _collect_stream(
        self, js: Any, stream: str, subject: str, within: float, count: int | None
    ) -> list[Message]:
        from nats.errors import TimeoutError as NatsTimeout
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

        config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            deliver_policy=DeliverPolicy.BY_START_TIME,
            opt_start_time=dt.datetime.fromtimestamp(self.since, dt.UTC),
            mem_storage=True,
            num_replicas=1,
            inactive_threshold=30.0,
        )
        sub = await js.pull_subscribe(subject, stream=stream, config=config)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        found: list[Message] = []
        try:
            while count is None or len(found) < count:
                left = deadline - loop.time()
                if left <= 0:
                    break
                try:
                    msgs = await sub.fetch(64, timeout=min(FETCH_WAIT_S, left))
                except (NatsTimeout, TimeoutError):
                    continue
                found += [_message(m, int(m.metadata.sequence.stream)) for m in msgs]
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            with contextlib.suppress(Exception):
                await js.delete_consumer(stream, sub._consumer)
        return found

    async def _collect_plain(
        self, nc: Any, subject: str, within: float, count: int | None
    ) -> list[Message]:
        found: list[Message] = []
        enough = asyncio.Event()

        async def heard(msg: Any) -> None:
            found.append(_message(msg, None))
            if count is not None and len(found) >= count:
                enough.set()

        sub = await nc.subscribe(subject, cb=heard)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(enough.wait(), within)
        finally:
            await sub.unsubscribe()
        return found
