"""Crash points and the reset/method request faults of the service kit.

The admin endpoints and `hold` run in process (httpx over ASGI); `exit` and `reset` need a real
server and a real process, so those tests start uvicorn in a subprocess on a free port.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.runtime.docker.waits import crash_point_exit
from workbench.servicekit import ServiceKit, Settings
from workbench.servicekit.crash import EXIT_CODE
from workbench.servicekit.errors import KitConfigError

SERVICE = """
from workbench.runtime.docker.waits import crash_point_exit
from workbench.servicekit import ServiceKit, Settings

kit = ServiceKit(settings=Settings.from_env("order", env={}))
kit.declare_crash_points("charge", "ship")
app = kit.app
finished = []

@app.post("/orders/{order_id}/charge")
async def charge(order_id: int) -> dict:
    try:
        await kit.crash_point("charge", key=order_id)
    finally:
        finished.append(order_id)  # os._exit skips this: no clean-up at all
    return {"charged": order_id}

@app.get("/stock")
async def stock() -> dict:
    return {"tea": 3}

@app.post("/stock")
async def add_stock() -> dict:
    return {"tea": 4}
"""


def make_kit(*points: str) -> ServiceKit:
    kit = ServiceKit(settings=Settings.from_env("order", env={}))
    kit.declare_crash_points(*points)
    reached: list[int] = []

    @kit.app.post("/orders/{order_id}/charge")
    async def charge(order_id: int) -> dict[str, Any]:
        await kit.crash_point("charge", key=order_id)
        reached.append(order_id)
        return {"charged": order_id}

    kit.app.state.reached = reached
    return kit


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    kit = make_kit("charge", "ship")
    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://order") as c:
        c.kit = kit  # type: ignore[attr-defined]
        yield c


async def test_every_declared_point_is_listed_before_any_is_reached(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/_admin/crash")
    assert r.json() == {"service": "order", "points": ["charge", "ship"], "armed": [], "held": 0}


async def test_arm_list_and_disarm(client: httpx.AsyncClient) -> None:
    r = await client.post("/_admin/crash", json={"point": "ship", "key": 7, "mode": "hold"})
    assert r.status_code == 201
    assert r.json()["armed"] == [{"point": "ship", "key": "7", "mode": "hold"}]
    await client.post("/_admin/crash", json={"point": "charge"})
    armed = (await client.get("/_admin/crash")).json()["armed"]
    assert armed[1] == {"point": "charge", "key": None, "mode": "exit"}
    r = await client.delete("/_admin/crash")
    assert (r.json()["cleared"], r.json()["armed"]) == (2, [])
    assert (await client.get("/_admin/crash")).json()["armed"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"point": "refund"}, "unknown crash point 'refund'; known points: charge, ship"),
        ({}, "unknown crash point None; known points: charge, ship"),
        ([1, 2], 'send {"point", "key", "mode"}; known points: charge, ship'),
        ({"point": "charge", "mode": "boom"}, "mode must be exit or hold, not 'boom'"),
        ({"point": "charge", "key": [1]}, "key must be a string, a whole number or null"),
        ({"point": "charge", "after": "x"}, "unknown field(s) after; send point, key and mode "
                                            "(known points: charge, ship)"),
    ],
)  # fmt: skip
async def test_a_bad_arm_is_422_naming_the_known_points(
    client: httpx.AsyncClient, body: object, message: str
) -> None:
    r = await client.post("/_admin/crash", json=body)
    assert r.status_code == 422
    assert message in r.json()["detail"]
    assert (await client.get("/_admin/crash")).json()["armed"] == []


async def test_a_body_that_is_not_json_is_422_too(client: httpx.AsyncClient) -> None:
    r = await client.post("/_admin/crash", content=b"{nope")
    assert r.status_code == 422
    assert "known points: charge, ship" in r.json()["detail"]


async def test_a_service_without_points_says_so() -> None:
    kit = ServiceKit(settings=Settings.from_env("payment", env={}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=kit.app), base_url="http://payment"
    ) as c:
        r = await c.post("/_admin/crash", json={"point": "charge"})
    assert r.status_code == 422
    assert "known points: none (payment declares no crash points)" in r.json()["detail"]


async def test_crash_admin_is_never_faulted(client: httpx.AsyncClient) -> None:
    await client.post("/_admin/faults", json={"kind": "error_rate", "rate": 1.0})
    assert (await client.get("/_admin/crash")).status_code == 200
    assert (await client.post("/_admin/crash", json={"point": "ship"})).status_code == 201
    assert (await client.delete("/_admin/crash")).status_code == 200


async def test_hold_parks_only_the_matching_key_and_is_one_shot(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/_admin/crash", json={"point": "charge", "key": "2", "mode": "hold"})
    assert (await client.post("/orders/1/charge")).json() == {"charged": 1}
    parked = asyncio.create_task(client.post("/orders/2/charge"))
    await asyncio.sleep(0.3)
    assert not parked.done()
    assert (await client.get("/_admin/crash")).json()["held"] == 1
    assert (await client.post("/orders/2/charge")).json() == {"charged": 2}  # one-shot
    parked.cancel()
    with pytest.raises(asyncio.CancelledError):
        await parked


async def test_reaching_an_undeclared_point_is_a_lab_bug() -> None:
    kit = ServiceKit(settings=Settings.from_env("order", env={}))
    kit.declare_crash_points("charge")
    with pytest.raises(KitConfigError, match="crash point 'refund' is not declared"):
        await kit.crash_point("refund")


@pytest.mark.parametrize("name", ["", " charge", 3])
def test_a_point_needs_a_plain_name(name: Any) -> None:
    kit = ServiceKit(settings=Settings.from_env("order", env={}))
    with pytest.raises(KitConfigError, match="a crash point needs a plain name"):
        kit.declare_crash_points(name)


async def test_method_filter_faults_only_that_method(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/_admin/faults", json={"kind": "fail_next", "count": 5, "method": "post", "status": 502}
    )
    assert r.json()["method"] == "POST"
    assert (await client.get("/_admin/crash")).status_code == 200
    assert (await client.post("/orders/1/charge")).status_code == 502
    await client.post("/_admin/faults", json={"kind": "latency", "latency_ms": 300,
                                              "method": "DELETE"})  # fmt: skip
    started = time.monotonic()
    assert (await client.post("/orders/1/charge")).status_code == 502
    assert time.monotonic() - started < 0.25


async def test_a_bad_method_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/_admin/faults", json={"kind": "reset", "method": "GET /x"})
    assert r.status_code == 422


async def test_reset_without_a_server_connection_raises_connection_reset(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/_admin/faults", json={"kind": "reset"})
    with pytest.raises(ConnectionResetError):
        await client.post("/orders/1/charge")


# -- a real process -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    (tmp_path / "app.py").write_text(textwrap.dedent(SERVICE))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(tmp_path),
         "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        limit = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < limit, "the service did not start"
            time.sleep(0.1)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()  # a held request would keep a graceful stop waiting
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


def test_exit_ends_the_process_at_once_without_clean_up(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = server
    httpx.post(f"{url}/_admin/crash", json={"point": "charge", "key": 5}).raise_for_status()
    assert httpx.post(f"{url}/orders/4/charge").json() == {"charged": 4}
    with pytest.raises(httpx.TransportError):
        httpx.post(f"{url}/orders/5/charge", timeout=5)
    assert proc.wait(timeout=5) == EXIT_CODE
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    assert "crash point reached: exiting now" in out
    # The Docker runtime reads a container whose worker ended so from exactly this output.
    assert crash_point_exit(out.splitlines())
    assert not crash_point_exit([*out.splitlines()[:-1], "INFO: Started reloader process [6]"])
    assert "Shutting down" not in out and "stopped" not in out  # no lifespan, no clean-up


def test_reset_closes_the_connection_without_an_answer(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    _proc, url = server
    httpx.post(
        f"{url}/_admin/faults", json={"kind": "reset", "method": "POST", "route": "/stock"}
    ).raise_for_status()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.post(f"{url}/stock", timeout=5)
    assert httpx.get(f"{url}/stock").json() == {"tea": 3}  # another method: untouched
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.post(f"{url}/stock", timeout=5)  # reset stays until cleared (rate 1.0)
    httpx.delete(f"{url}/_admin/faults").raise_for_status()
    assert httpx.post(f"{url}/stock").json() == {"tea": 4}


def test_hold_parks_until_the_process_dies(
    server: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = server
    httpx.post(f"{url}/_admin/crash", json={"point": "charge", "mode": "hold"}).raise_for_status()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{url}/orders/1/charge", timeout=0.5)
    assert proc.poll() is None
    assert httpx.get(f"{url}/_admin/crash").json()["held"] == 1


SYNC_CRASH = """
import sys
from workbench.servicekit import ServiceKit, Settings

kit = ServiceKit(settings=Settings.from_env("views", env={}))
kit.declare_crash_points("mid-apply")
kit.crash_point_now("mid-apply", key="e-1")          # not armed: nothing happens
kit.crash.arm({"point": "mid-apply", "key": "e-2", "mode": "hold"})
kit.crash_point_now("mid-apply", key="e-1")          # another key: nothing happens
print("before", flush=True)
kit.crash_point_now("mid-apply", key="e-2")          # armed (hold): exits all the same
print("after", flush=True)
"""


def test_a_synchronous_crash_point_exits_even_when_armed_to_hold() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SYNC_CRASH], check=False, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == EXIT_CODE, done.stderr
    assert "before" in done.stdout
    assert "after" not in done.stdout
