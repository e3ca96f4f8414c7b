"""JetStream through the kit, against a real nats-server process (started per test module)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from servicekit_support import nats_server

from workbench.servicekit import Event, KitError, ServiceKit, Settings
from workbench.servicekit.messaging import durable_name, stream_for


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with nats_server(tmp_path_factory.mktemp("nats")) as url:
        yield url


def make_kit(name: str, nats_url: str) -> ServiceKit:
    return ServiceKit(settings=Settings.from_env(name, env={"NATS_URL": nats_url}))


@asynccontextmanager
async def running(kit: ServiceKit) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (consumers start) and an HTTP client on it."""
    async with kit.app.router.lifespan_context(kit.app):
        transport = httpx.ASGITransport(app=kit.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{kit.name}") as c:
            yield c


async def until(predicate: Callable[[], Awaitable[Any]], within: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def subject(request: pytest.FixtureRequest, name: str = "created") -> str:
    """A subject of its own per test, so tests sharing the server never see each other's events."""
    return f"t{abs(hash(request.node.name)) % 10**8}.{name}"


async def test_published_event_is_consumed_and_counted(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    got: list[Event] = []
    consumer = make_kit("audit", nats_url)

    @consumer.consumer(subj)
    async def handle(event: Event) -> None:
        got.append(event)

    publisher = make_kit("orders", nats_url)
    async with running(consumer) as audit, running(publisher) as orders:
        await until(lambda: _ready(audit))
        published = await publisher.publish(subj, {"order_id": "o1"}, msg_id="o1")
        assert (published.subject, published.duplicate) == (subj, False)
        await until(lambda: _len(got, 1))
        assert got[0].data == {"order_id": "o1"}
        assert (got[0].msg_id, got[0].delivery, got[0].redelivered) == ("o1", 1, False)
        assert (await orders.get("/_admin/stats")).json()["published"] == {subj: 1}
        assert (await audit.get("/_admin/stats")).json()["consumed"] == {subj: 1}


async def test_event_is_recorded_once_despite_redelivery(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    """At-least-once delivery + an idempotent handler = each order recorded exactly once."""
    subj = subject(request)
    deliveries: list[int] = []
    recorded: dict[str, int] = {}
    kit = make_kit("audit", nats_url)

    @kit.consumer(subj)
    async def record(event: Event) -> None:
        deliveries.append(event.delivery)
        order = event.data["order_id"]
        if order not in recorded:
            recorded[order] = event.stream_seq
        if event.delivery == 1:
            # Fails after doing its work, before the ack: JetStream must deliver it again.
            raise ConnectionError("lost the database mid-way")

    async with running(kit) as client:
        await until(lambda: _ready(client))
        await kit.publish(subj, {"order_id": "o7"}, msg_id="o7")
        await until(lambda: _len(deliveries, 2))
        await asyncio.sleep(0.3)  # a third delivery would arrive now if the ack were lost
        assert deliveries == [1, 2]
        assert list(recorded) == ["o7"]
        # The failed delivery is not counted as consumed; the acknowledged one is.
        assert (await client.get("/_admin/stats")).json()["consumed"] == {subj: 1}


async def test_republishing_with_the_same_msg_id_stores_it_once(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    got: list[Event] = []
    kit = make_kit("audit", nats_url)

    @kit.consumer(subj)
    async def handle(event: Event) -> None:
        got.append(event)

    async with running(kit) as client:
        await until(lambda: _ready(client))
        first = await kit.publish(subj, {"order_id": "o9"}, msg_id="o9")
        again = await kit.publish(subj, {"order_id": "o9"}, msg_id="o9")
        other = await kit.publish(subj, {"order_id": "o10"}, msg_id="o10")
        assert (first.duplicate, again.duplicate, other.duplicate) == (False, True, False)
        assert again.seq == first.seq
        await until(lambda: _len(got, 2))
        await asyncio.sleep(0.2)
        assert [e.data["order_id"] for e in got] == ["o9", "o10"]


async def test_a_durable_consumer_resumes_where_it_stopped(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    got: list[str] = []

    def audit() -> ServiceKit:
        kit = make_kit("audit", nats_url)

        @kit.consumer(subj, durable="audit-resume")
        async def handle(event: Event) -> None:
            got.append(event.data["n"])

        return kit

    publisher = make_kit("orders", nats_url)
    async with running(publisher):
        async with running(audit()) as client:
            await until(lambda: _ready(client))
            await publisher.publish(subj, {"n": "1"})
            await until(lambda: _len(got, 1))
        await publisher.publish(subj, {"n": "2"})  # audit is down now
        async with running(audit()) as client:
            await until(lambda: _len(got, 2))
    assert got == ["1", "2"]


async def test_not_ready_until_subscribed_then_ready(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    kit = make_kit("audit", nats_url)

    @kit.consumer(subj)
    async def handle(event: Event) -> None:
        pass

    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://audit") as client:
        r = await client.get("/ready")  # lifespan not started: no consumer running yet
        assert r.status_code == 503
        assert r.json()["problems"] == ["not subscribed yet"]
    async with running(kit) as client:
        await until(lambda: _ready(client))


async def test_ready_reports_an_unreachable_broker(tmp_path: Path) -> None:
    from servicekit_support import free_port

    kit = make_kit("orders", f"nats://127.0.0.1:{free_port()}")
    kit.require_nats()
    async with running(kit) as client:
        r = await client.get("/ready")
        assert r.status_code == 503
        assert "cannot reach NATS" in r.json()["problems"][0]
        with pytest.raises(KitError, match="cannot reach NATS"):
            await kit.messaging.connect(timeout=0.3)


async def test_require_nats_is_ready_with_a_broker(nats_url: str) -> None:
    kit = make_kit("orders", nats_url)
    kit.require_nats()
    async with running(kit) as client:
        assert (await client.get("/ready")).status_code == 200
        nc = await kit.nats()
        assert nc.is_connected


def test_stream_and_durable_names() -> None:
    assert stream_for("order.created") == ("ORDER", ["order", "order.>"])
    assert stream_for("payment-gw.done") == ("PAYMENT-GW", ["payment-gw", "payment-gw.>"])
    assert durable_name("audit", "order.*") == "audit-order_any"
    with pytest.raises(KitError, match="first token"):
        stream_for("*.created")


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/ready")).status_code == 200


async def _len(items: list[Any], n: int) -> bool:
    return len(items) >= n


@pytest.mark.parametrize("keeps_store", [True, False], ids=["with-store", "store-lost"])
async def test_consumer_and_publisher_survive_a_broker_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keeps_store: bool
) -> None:
    from servicekit_support import free_port

    monkeypatch.setattr("workbench.servicekit.messaging.IDLE_CHECK_S", 0.3)
    port = free_port()
    got: list[str] = []
    audit = make_kit("audit", f"nats://127.0.0.1:{port}")

    @audit.consumer("restart.created")
    async def handle(event: Event) -> None:
        got.append(event.data["n"])

    orders = make_kit("orders", f"nats://127.0.0.1:{port}")

    async def published_after() -> bool:
        try:
            await orders.publish("restart.created", {"n": "after"}, msg_id="after")
        except KitError:
            return False  # still reconnecting
        return True

    with contextlib.ExitStack() as first, contextlib.ExitStack() as second:
        first.enter_context(nats_server(tmp_path / "store", port=port))
        async with running(audit) as client, running(orders):
            await until(lambda: _ready(client))
            await orders.publish("restart.created", {"n": "before"}, msg_id="before")
            await until(lambda: _len(got, 1))
            first.close()  # the broker goes away under both services
            store = tmp_path / ("store" if keeps_store else "empty")
            second.enter_context(nats_server(store, port=port))
            await until(published_after, within=20)
            await until(lambda: _len(got, 2), within=20)
            assert (await client.get("/ready")).status_code == 200
    assert got == ["before", "after"]


async def test_a_service_stops_quickly_even_when_the_broker_is_gone(tmp_path: Path) -> None:
    async def handle(event: Event) -> None:
        pass

    with nats_server(tmp_path / "store") as url:
        kit = make_kit("audit", url)
        kit.subscribe("gone.created", handle)
        lifespan = kit.app.router.lifespan_context(kit.app)
        await lifespan.__aenter__()
        await until(lambda: _subscribed(kit))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await lifespan.__aexit__(None, None, None)
    assert loop.time() - started < 1.5


async def _subscribed(kit: ServiceKit) -> bool:
    return all(c.subscribed for c in kit.messaging.consumers)


async def test_a_slow_handler_is_not_redelivered_while_it_works(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    deliveries: list[int] = []
    kit = make_kit("audit", nats_url)

    @kit.consumer(subj, ack_wait_s=0.6)
    async def slow(event: Event) -> None:
        deliveries.append(event.delivery)
        await asyncio.sleep(1.5)  # well past ack_wait: only the in-progress signal saves it

    async with running(kit) as client:
        await until(lambda: _ready(client))
        await kit.publish(subj, {"n": 1})
        await until(lambda: _consumed(client, subj), within=10)
        await asyncio.sleep(0.8)
    assert deliveries == [1]


async def _consumed(client: httpx.AsyncClient, subj: str) -> bool:
    return bool((await client.get("/_admin/stats")).json()["consumed"].get(subj))


async def test_stopping_lets_a_running_handler_finish_and_ack(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    began = asyncio.Event()
    finished: list[dict[str, Any]] = []
    kit = make_kit("audit", nats_url)

    @kit.consumer(subj, durable="graceful")
    async def handle(event: Event) -> None:
        began.set()
        await asyncio.sleep(0.3)
        finished.append(event.data)

    async with running(kit) as client:
        await until(lambda: _ready(client))
        await kit.publish(subj, {"n": 1})
        await asyncio.wait_for(began.wait(), 10)
    assert finished == [{"n": 1}]
    probe = make_kit("probe", nats_url)
    js = await probe.jetstream()
    info = await js.consumer_info(await probe.messaging.ensure_stream(subj), "graceful")
    await probe.messaging.close()
    assert (info.num_ack_pending, info.num_pending) == (0, 0)


async def test_subscribing_while_running_starts_at_once(
    nats_url: str, request: pytest.FixtureRequest
) -> None:
    subj = subject(request)
    got: list[Event] = []
    kit = make_kit("audit", nats_url)

    async def handle(event: Event) -> None:
        got.append(event)

    async with running(kit) as client:
        kit.subscribe(subj, handle)
        await until(lambda: _ready(client))
        await kit.publish(subj, {"late": True})
        await until(lambda: _len(got, 1))
