"""Outgoing calls: request ids travel to the peer, and every call is counted by peer name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import Request
from servicekit_support import free_port, serve

from workbench.servicekit import KitConfigError, ServiceKit, Settings


@pytest.fixture
def inventory_url() -> Iterator[str]:
    """A real peer service (its own kit) served by uvicorn; it echoes the trace headers."""
    peer = ServiceKit(settings=Settings.from_env("inventory", env={}))

    @peer.app.get("/stock")
    async def stock(request: Request) -> dict[str, Any]:
        return {
            "request_id": request.headers.get("x-request-id"),
            "traceparent": request.headers.get("traceparent"),
        }

    @peer.app.get("/broken")
    async def broken() -> dict[str, Any]:
        raise RuntimeError("no stock table")

    with serve(peer.app) as url:
        yield url


@pytest.fixture
async def caller(inventory_url: str) -> AsyncIterator[tuple[ServiceKit, httpx.AsyncClient]]:
    kit = ServiceKit(settings=Settings.from_env("orders", env={"INVENTORY_URL": inventory_url}))

    @kit.app.get("/check")
    async def check() -> Any:
        return (await kit.peer("inventory").get("/stock")).json()

    @kit.app.get("/raw")
    async def raw() -> Any:
        # A raw URL to the same host:port must still count as a call to inventory.
        return (await kit.http().get(f"{inventory_url}/broken")).status_code

    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as client:
        yield kit, client
    await kit._peer_clients().aclose()


async def test_request_id_and_trace_reach_the_peer(
    caller: tuple[ServiceKit, httpx.AsyncClient],
) -> None:
    _, client = caller
    incoming = "4bf92f3577b34da6a3ce929d0e0e4736"
    seen = (
        await client.get(
            "/check",
            headers={
                "X-Request-ID": "checkout-17",
                "traceparent": f"00-{incoming}-00f067aa0ba902b7-01",
            },
        )
    ).json()
    assert seen["request_id"] == "checkout-17"
    version, trace_id, span_id, flags = seen["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", incoming, "01")
    assert span_id != "00f067aa0ba902b7"  # a new span for the new hop


async def test_a_fresh_request_gets_an_id_that_the_peer_sees_too(
    caller: tuple[ServiceKit, httpx.AsyncClient],
) -> None:
    _, client = caller
    r = await client.get("/check")
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert r.json()["traceparent"].split("-")[1] == r.headers["x-request-id"]


async def test_calls_are_counted_per_peer_with_statuses_and_errors(
    caller: tuple[ServiceKit, httpx.AsyncClient],
) -> None:
    kit, client = caller
    await client.get("/check")
    await client.get("/check")
    assert (await client.get("/raw")).json() == 500
    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(httpx.ConnectError):
        await kit.http().get(dead)
    calls = (await client.get("/_admin/stats")).json()["calls"]
    assert calls == {
        "inventory": {"count": 3, "errors": 1, "statuses": {"200": 2, "500": 1}},
        dead.removeprefix("http://"): {"count": 1, "errors": 1, "statuses": {}},
    }


def test_peer_without_url_is_a_clear_error() -> None:
    kit = ServiceKit(settings=Settings.from_env("orders", env={}))
    with pytest.raises(KitConfigError, match="PAYMENT_GATEWAY_URL is not set"):
        kit.peer("payment-gateway")
    with pytest.raises(KitConfigError, match="PAYMENT_GATEWAY_URL"):
        kit.require_peers("payment-gateway")


def test_settings_come_from_the_conventional_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for key, value in {
        "SERVICE_NAME": "audit",
        "ORDERS_URL": "http://127.0.0.1:41234/",
        "PAYMENT_GATEWAY_URL": "http://payment-gateway:8000",
        "AUDIT_URL": "http://self:1",
        "NATS_URL": "nats://127.0.0.1:4222",
        "WORKSPACE": str(tmp_path / "ws"),
        "DATA_DIR": str(tmp_path / "data"),
        "VOLUME_AUDIT_LOG": "/var/log/audit",
        "WORKBENCH_LAB": "shop",
        "WORKBENCH_RUN_ID": "shop-0123abcd",
        "PORT": "8000",
    }.items():
        monkeypatch.setenv(key, value)
    s = ServiceKit().settings
    assert s.service == "audit"
    assert s.peers["orders"] == "http://127.0.0.1:41234"
    assert s.peers["payment-gateway"] == "http://payment-gateway:8000"
    assert "audit" not in s.peers  # never its own peer
    assert "nats" not in s.peers
    assert (s.nats_url, s.lab, s.run_id, s.port) == (
        "nats://127.0.0.1:4222",
        "shop",
        "shop-0123abcd",
        8000,
    )
    assert s.volume("audit-log").as_posix() == "/var/log/audit"
    assert s.data_path().is_dir()
    assert s.peer_for("http://payment-gateway:8000/pay") == "payment-gateway"
    assert s.peer_for("http://127.0.0.1:41234") == "orders"
    assert s.peer_for("http://localhost:41234/x") == "orders"
    assert s.peer_for("http://127.0.0.1:41235") is None
    with pytest.raises(KitConfigError, match="VOLUME_CACHE is not set"):
        s.volume("cache")


def test_a_service_without_a_name_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVICE_NAME", raising=False)
    with pytest.raises(KitConfigError, match="SERVICE_NAME is not set"):
        ServiceKit()


def test_pooled_connections_are_forgotten_before_uvicorn_closes_them() -> None:
    # uvicorn closes an idle connection after 5 s; a pool keeping it as long sometimes reuses it
    # just as it closes ("Server disconnected without sending a response").
    from workbench.servicekit.peers import DEFAULT_LIMITS, PeerClients

    assert DEFAULT_LIMITS.keepalive_expiry is not None
    assert DEFAULT_LIMITS.keepalive_expiry < 5.0
    clients = PeerClients(Settings.from_env("orders", env={"INVENTORY_URL": "http://x:1"}), None)  # type: ignore[arg-type]
    pool = clients.transport()._inner._pool  # type: ignore[attr-defined]
    assert pool._keepalive_expiry == DEFAULT_LIMITS.keepalive_expiry
