"""The `events` fixture's helper against a real nats-server: synchronous publish and collect."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from servicekit_support import free_port, nats_server

from workbench.checks.events import Events, EventsError


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


@pytest.fixture
def events(nats_url: str) -> Iterator[Events]:
    helper = Events(nats_url)
    yield helper
    helper.close()


def subject(name: str = "made") -> str:
    return f"e{uuid.uuid4().hex[:8]}.{name}"


def test_publish_makes_the_stream_and_collect_sees_what_came_since_the_check_began(
    nats_url: str,
) -> None:
    subj = subject()
    earlier = Events(nats_url)
    earlier.publish(subj, {"n": 0})  # before the check began
    earlier.close()
    time.sleep(0.05)
    events = Events(nats_url)
    try:
        first = events.publish(subj, {"n": 1}, msg_id="m-1", headers={"X-Why": "test"})
        assert events.publish(subj, {"n": 1}, msg_id="m-1") == first
        events.publish(subj, "plain text")
        got = events.collect(subj, within=2)
        assert [m.data for m in got] == [{"n": 1}, None]
        assert got[0].msg_id == "m-1" and got[0].headers["X-Why"] == "test" and got[0].seq == first
        assert got[1].raw == b"plain text"
    finally:
        events.close()


def test_collect_returns_as_soon_as_count_events_came(events: Events) -> None:
    subj = subject()
    events.publish(subj, {"n": 1})
    began = time.monotonic()
    assert len(events.collect(subj, within=5, count=1)) == 1
    assert time.monotonic() - began < 2


def test_a_subject_no_stream_holds_is_heard_from_the_call_on(events: Events, nats_url: str) -> None:
    subj = f"plain{uuid.uuid4().hex[:8]}"

    def talk() -> None:
        import asyncio

        import nats

        async def send() -> None:
            nc = await nats.connect(nats_url)
            await asyncio.sleep(0.3)
            await nc.publish(subj, b'{"hello": 1}')
            await nc.flush()
            await nc.close()

        asyncio.run(send())

    speaker = threading.Thread(target=talk)
    speaker.start()
    got = events.collect(subj, within=3, count=1)
    speaker.join()
    assert [(m.data, m.seq) for m in got] == [({"hello": 1}, None)]


def test_an_unreachable_broker_is_a_sentence() -> None:
    events = Events(f"nats://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(EventsError, match="cannot reach the lab's NATS broker at nats://"):
            events.publish("x.y", {})
    finally:
        events.close()
