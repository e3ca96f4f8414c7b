"""The fixture shop's services on the service kit, as real uvicorn processes with a real NATS.

This starts the processes itself (not through a runtime), so it checks the services and the kit
alone: pricing with the learner's module, order.created over JetStream, the idempotent audit
consumer, the sidecar reading the shared volume, faults and stats through the gateway.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from servicekit_support import free_port, nats_server

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "labs" / "shop"
PYTHON_SERVICES = ("orders", "audit", "logship", "gateway")


@dataclass
class Shop:
    root: Path
    nats_url: str
    workspace: Path
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def env(self, service: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_URL")}
        env.update(
            {
                "SERVICE_NAME": service,
                "NATS_URL": self.nats_url,
                "WORKSPACE": str(self.workspace),
                "PYTHONPATH": str(self.workspace),
                "DATA_DIR": str(self.root / "data" / service),
                "WORKBENCH_LAB": "shop",
                "WORKBENCH_RUN_ID": "shop-00000000",
            }
        )
        for peer in PYTHON_SERVICES:
            if peer != service:
                env[f"{peer.upper()}_URL"] = self.url(peer)
        if service in ("audit", "logship"):
            env["VOLUME_AUDIT_LOG"] = str(self.root / "volumes" / "audit-log")
        return env

    def log(self, service: str) -> Path:
        return self.root / "logs" / f"{service}.log"

    def start(self, service: str) -> None:
        self.log(service).parent.mkdir(parents=True, exist_ok=True)
        with self.log(service).open("ab") as out:
            self.procs[service] = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "app:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.ports[service]),
                ],
                cwd=SHOP / "services" / service,
                env=self.env(service),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, *services: str, within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        for service in services:
            while True:
                try:
                    if httpx.get(self.url(service) + "/ready", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if self.procs[service].poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"{service} not ready:\n{self.log(service).read_text()}")
                time.sleep(0.05)

    def stop(self, service: str) -> None:
        proc = self.procs.pop(service)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def log_lines(self, service: str) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log(service).read_text().splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines


def eventually(predicate: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    root = tmp_path_factory.mktemp("shop-run")
    workspace = root / "workspace"
    shutil.copytree(SHOP / "solution", workspace)
    with nats_server(root / "nats") as nats_url:
        shop = Shop(root, nats_url, workspace, {s: free_port() for s in PYTHON_SERVICES})
        try:
            for service in PYTHON_SERVICES:
                shop.start(service)
            shop.wait_ready(*PYTHON_SERVICES)
            yield shop
        finally:
            for service in list(shop.procs):
                shop.stop(service)


ORDER = {
    "items": [
        {"sku": "tea", "quantity": 2, "unit_cents": 450},
        {"sku": "cake", "quantity": 1, "unit_cents": 305},
    ],
    "code": "TEN",
}


def place(shop: Shop, request_id: str | None = None) -> dict[str, Any]:
    headers = {"X-Request-ID": request_id} if request_id else {}
    r = httpx.post(shop.url("gateway") + "/orders", json=ORDER, headers=headers, timeout=5)
    assert r.status_code == 201, r.text
    return dict(r.json())


def audited(shop: Shop) -> dict[str, Any]:
    return {
        rec["order_id"]: rec
        for rec in httpx.get(shop.url("gateway") + "/audit", timeout=5).json()["records"]
    }


def test_an_order_is_priced_published_audited_and_shipped(shop: Shop) -> None:
    order = place(shop, request_id="shop-it-1")
    assert order["total_cents"] == 1084  # (900 + 305) * 90 // 100
    again = httpx.get(f"{shop.url('gateway')}/orders/{order['id']}", timeout=5).json()
    assert again == order
    record = eventually(lambda: audited(shop).get(order["id"]))
    assert record
    assert record["total_cents"] == 1084
    shipped = eventually(
        lambda: [
            line
            for line in httpx.get(shop.url("logship") + "/shipped", timeout=5).json()["lines"]
            if order["id"] in line
        ]
    )
    assert shipped == [f"order {order['id']} total_cents=1084"]
    # The request id crossed HTTP (gateway -> orders) and NATS (orders -> audit).
    assert any(
        line.get("request_id") == "shop-it-1" and line["msg"] == "order created"
        for line in shop.log_lines("orders")
    )
    assert any(
        line.get("request_id") == "shop-it-1" and line["msg"] == "order recorded"
        for line in shop.log_lines("audit")
    )


def test_stats_show_declared_and_undeclared_calls(shop: Shop) -> None:
    order = place(shop)
    eventually(lambda: order["id"] in audited(shop))
    trail = httpx.get(f"{shop.url('orders')}/orders/{order['id']}/audit-trail", timeout=5).json()
    assert trail["audited"] is True
    orders = httpx.get(shop.url("orders") + "/_admin/stats", timeout=5).json()
    assert orders["calls"]["audit"]["count"] >= 1  # the coupling lab.yaml does not declare
    assert orders["published"]["order.created"] >= 1
    assert orders["served"]["/orders"]["201"] >= 1
    gateway = httpx.get(shop.url("gateway") + "/_admin/stats", timeout=5).json()
    assert set(gateway["calls"]) >= {"orders", "audit"}
    audit = httpx.get(shop.url("audit") + "/_admin/stats", timeout=5).json()
    assert audit["consumed"]["order.created"] >= 1


def test_redelivered_and_duplicate_events_are_recorded_once(shop: Shop) -> None:
    import asyncio

    import nats

    order = place(shop)
    eventually(lambda: order["id"] in audited(shop))

    async def publish_duplicates() -> None:
        nc = await nats.connect(shop.nats_url)
        js = nc.jetstream()
        body = json.dumps({"order_id": order["id"], "total_cents": 1}).encode()
        for n in range(3):  # new msg ids: JetStream stores all three, audit must drop them
            await js.publish("order.created", body, headers={"Nats-Msg-Id": f"dup-{n}"})
        await nc.close()

    asyncio.run(publish_duplicates())
    eventually(
        lambda: (
            sum(
                line["msg"] == "duplicate order.created ignored" for line in shop.log_lines("audit")
            )
            >= 3
        )
    )
    assert audited(shop)[order["id"]]["total_cents"] == 1084
    lines = (shop.root / "volumes" / "audit-log" / "audit.log").read_text().splitlines()
    assert sum(order["id"] in line for line in lines) == 1


def test_audit_keeps_its_records_across_a_restart(shop: Shop) -> None:
    order = place(shop)
    eventually(lambda: order["id"] in audited(shop))
    before = audited(shop)
    shop.stop("audit")
    later = place(shop)  # published while audit is down; its durable consumer catches up
    shop.start("audit")
    shop.wait_ready("audit")
    after = eventually(lambda: later["id"] in audited(shop) and audited(shop))
    assert set(before) < set(after)


def test_faults_on_orders_show_through_the_gateway(shop: Shop) -> None:
    admin = shop.url("orders") + "/_admin/faults"
    assert (
        httpx.post(
            admin, json={"kind": "fail_next", "count": 1, "route": "/orders"}, timeout=5
        ).status_code
        == 201
    )
    r = httpx.post(shop.url("gateway") + "/orders", json=ORDER, timeout=5)
    assert r.status_code == 503
    assert r.json()["fault"] == "fail_next"
    assert place(shop)["total_cents"] == 1084
    httpx.post(admin, json={"kind": "latency", "latency_ms": 300}, timeout=5)
    started = time.monotonic()
    place(shop)
    assert time.monotonic() - started >= 0.3
    httpx.delete(admin, timeout=5)
    shop.stop("orders")
    try:
        r = httpx.post(shop.url("gateway") + "/orders", json=ORDER, timeout=5)
        assert r.status_code == 502
        assert r.json() == {"error": "orders cannot be reached (ConnectError)"}
        assert httpx.get(shop.url("gateway") + "/ready", timeout=5).status_code == 503
    finally:
        shop.start("orders")
        shop.wait_ready("orders", "gateway")


def test_the_learners_code_decides_and_a_broken_file_is_reported(shop: Shop) -> None:
    pricing = shop.workspace / "pricing.py"
    solution = pricing.read_text()
    try:
        shutil.copy(SHOP / "starter" / "pricing.py", pricing)
        assert place(shop)["total_cents"] == 0  # the starter's TODO answer
        pricing.write_text("def total_cents(items, code=None):\n    return sum(\n")
        ready = httpx.get(shop.url("orders") + "/ready", timeout=5)
        assert ready.status_code == 503
        assert ready.json()["problems"][0].startswith("pricing.py line 2: SyntaxError")
        r = httpx.post(shop.url("gateway") + "/orders", json=ORDER, timeout=5)
        assert (r.status_code, r.json()["where"]) == (500, "pricing.py:2")
        pricing.write_text("def total_cents(items, code=None):\n    return 'free'\n")
        r = httpx.post(shop.url("gateway") + "/orders", json=ORDER, timeout=5)
        assert r.status_code == 500
        assert "must return the total in whole cents as an int" in r.text
    finally:
        pricing.write_text(solution)
    assert httpx.get(shop.url("orders") + "/ready", timeout=5).status_code == 200
    assert place(shop)["total_cents"] == 1084
