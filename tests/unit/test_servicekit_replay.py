"""Replay and consumer control through the kit, against a real nats-server process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from servicekit_support import nats_server

from workbench.servicekit import Event, KitError, ServiceKit, Settings


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


def make_kit(name: str, nats_url: str) -> ServiceKit:
    return ServiceKit(settings=Settings.from_env(name, env={"NATS_URL": nats_url}))


def token() -> str:
    """A first subject token (so a stream) of its own per test."""
    return f"r{uuid.uuid4().hex[:10]}"


@asynccontextmanager
async def running(kit: ServiceKit) -> AsyncIterator[httpx.AsyncClient]:
    async with kit.app.router.lifespan_context(kit.app):
        transport = httpx.ASGITransport(app=kit.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{kit.name}") as c:
            yield c


async def until(predicate: Any, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def consumers_of(kit: ServiceKit, stream: str) -> list[Any]:
    js = await kit.jetstream()
    return list(await js.consumers_info(stream))


async def test_replay_reads_the_stream_from_the_start_in_order(nats_url: str) -> None:
    t = token()
    kit = make_kit("projector", nats_url)
    seqs = [(await kit.publish(f"{t}.placed", {"n": n})).seq for n in range(600)]
    await kit.publish(f"{t}.other", {"n": -1})
    seen: list[Event] = []

    async def handle(event: Event) -> None:
        seen.append(event)

    last = await kit.replay(f"{t}.placed", handle)
    assert [e.data["n"] for e in seen] == list(range(600))  # more than one batch, in order
    assert [e.stream_seq for e in seen] == seqs
    assert last == seqs[-1]
    assert all(e.delivery == 1 and e.subject == f"{t}.placed" for e in seen)
    # From a sequence on, and nothing new: nothing handled, the sequence before is returned.
    seen.clear()
    assert await kit.replay(f"{t}.placed", handle, from_seq=seqs[-3]) == seqs[-1]
    assert [e.data["n"] for e in seen] == [597, 598, 599]
    seen.clear()
    assert await kit.replay(f"{t}.placed", handle, from_seq=seqs[-1] + 5) == seqs[-1] + 4
    assert seen == []
    # Its consumer is gone once it returns.
    assert await consumers_of(kit, t.upper()) == []
    await kit.messaging.close()


async def test_replay_of_several_subjects_of_one_stream(nats_url: str) -> None:
    t = token()
    kit = make_kit("projector", nats_url)
    await kit.publish(f"{t}.a", {"k": "a1"})
    await kit.publish(f"{t}.b", {"k": "b1"})
    await kit.publish(f"{t}.c", {"k": "c1"})
    await kit.publish(f"{t}.a", {"k": "a2"})
    seen: list[str] = []

    async def handle(event: Event) -> None:
        seen.append(event.data["k"])

    await kit.replay([f"{t}.a", f"{t}.b"], handle)
    assert seen == ["a1", "b1", "a2"]
    await kit.messaging.close()


async def test_replay_does_not_touch_the_durable_consumers(nats_url: str) -> None:
    t = token()
    live: list[int] = []
    kit = make_kit("projector", nats_url)

    @kit.consumer(f"{t}.placed")
    async def on_placed(event: Event) -> None:
        live.append(event.data["n"])

    async with running(kit):
        await until(lambda: all(c.subscribed for c in kit.messaging.consumers))
        for n in range(3):
            await kit.publish(f"{t}.placed", {"n": n})
        await until(lambda: len(live) == 3)
        js = await kit.jetstream()
        before = await js.consumer_info(t.upper(), kit.messaging.consumers[0].durable)
        replayed: list[int] = []

        async def handle(event: Event) -> None:
            replayed.append(event.data["n"])

        await kit.replay(f"{t}.placed", handle)
        after = await js.consumer_info(t.upper(), kit.messaging.consumers[0].durable)
        assert replayed == [0, 1, 2]
        assert (after.delivered.stream_seq, after.ack_floor.stream_seq) == (
            before.delivered.stream_seq,
            before.ack_floor.stream_seq,
        )
        await asyncio.sleep(0.3)
        assert live == [0, 1, 2]  # nothing redelivered to the durable consumer


async def test_a_handler_that_raises_stops_the_replay_naming_the_event(nats_url: str) -> None:
    t = token()
    kit = make_kit("projector", nats_url)
    for n in range(3):
        await kit.publish(f"{t}.placed", {"n": n})

    async def handle(event: Event) -> None:
        if event.data["n"] == 1:
            raise ValueError("bad row")

    with pytest.raises(KitError, match=rf"replay stopped at {t}\.placed #2: .*ValueError: bad row"):
        await kit.replay(f"{t}.placed", handle)
    assert await consumers_of(kit, t.upper()) == []
    await kit.messaging.close()


async def test_replay_refuses_subjects_of_two_streams_and_no_subject(nats_url: str) -> None:
    kit = make_kit("projector", nats_url)

    async def handle(event: Event) -> None:
        return None

    with pytest.raises(KitError, match="replay reads one stream"):
        await kit.replay([f"{token()}.a", f"{token()}.b"], handle)
    with pytest.raises(KitError, match="at least one subject"):
        await kit.replay([], handle)
    with pytest.raises(KitError, match="sequence 1 or later"):
        await kit.replay(f"{token()}.a", handle, from_seq=0)
    await kit.messaging.close()


async def test_a_paused_consumer_acks_nothing_and_loses_nothing(nats_url: str) -> None:
    t = token()
    got: list[int] = []
    kit = make_kit("projector", nats_url)

    @kit.consumer(f"{t}.placed", ack_wait_s=1.0)
    async def on_placed(event: Event) -> None:
        got.append(event.data["n"])

    async with running(kit) as client:
        await until(lambda: all(c.subscribed for c in kit.messaging.consumers))
        await kit.publish(f"{t}.placed", {"n": 0})
        await until(lambda: got == [0])
        await kit.pause_consumers()
        for n in range(1, 4):
            await kit.publish(f"{t}.placed", {"n": n})
        # Longer than ack_wait: a held event must be kept in progress, not redelivered.
        await asyncio.sleep(1.5)
        assert got == [0]
        js = await kit.jetstream()
        info = await js.consumer_info(t.upper(), kit.messaging.consumers[0].durable)
        assert info.ack_floor.stream_seq == 1
        assert (await client.get("/ready")).status_code == 200  # paused is not broken
        await kit.resume_consumers()
        await until(lambda: len(got) == 4)
        await asyncio.sleep(0.3)
        assert got == [0, 1, 2, 3]
        assert (await client.get("/_admin/stats")).json()["consumed"] == {f"{t}.placed": 4}


async def test_pause_waits_for_a_running_handler(nats_url: str) -> None:
    t = token()
    done: list[int] = []
    started = asyncio.Event()
    kit = make_kit("projector", nats_url)

    @kit.consumer(f"{t}.placed")
    async def on_placed(event: Event) -> None:
        started.set()
        await asyncio.sleep(0.4)
        done.append(event.data["n"])

    async with running(kit):
        await until(lambda: all(c.subscribed for c in kit.messaging.consumers))
        await kit.publish(f"{t}.placed", {"n": 0})
        await asyncio.wait_for(started.wait(), 10)
        await kit.pause_consumers()
        assert done == [0]  # pause returned only once the handler had finished
        await kit.resume_consumers()


async def test_a_replay_while_paused_rebuilds_then_consumers_go_on(nats_url: str) -> None:
    """The CQRS rebuild: pause, replay into a fresh view, resume; nothing counted twice."""
    t = token()
    view: dict[str, int] = {}
    kit = make_kit("projector", nats_url)

    async def apply(event: Event) -> None:
        view[event.data["sku"]] = view.get(event.data["sku"], 0) + event.data["qty"]

    kit.subscribe(f"{t}.sold", apply)
    async with running(kit):
        await until(lambda: all(c.subscribed for c in kit.messaging.consumers))
        for qty in (1, 2, 3):
            await kit.publish(f"{t}.sold", {"sku": "a", "qty": qty})
        await until(lambda: view == {"a": 6})
        await kit.pause_consumers()
        view.clear()
        await kit.publish(f"{t}.sold", {"sku": "a", "qty": 10})  # arrives during the rebuild
        last = await kit.replay(f"{t}.sold", apply)
        assert view == {"a": 16} and last == 4
        await kit.resume_consumers()
        await asyncio.sleep(0.3)
        # The durable consumer then also handles the 4th event: a projection that rebuilds
        # while consuming must skip what it replayed (by stream_seq).
        assert view == {"a": 26}
