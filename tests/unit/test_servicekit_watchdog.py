"""The event-loop watchdog, with a real learner module that blocks, served by real uvicorn."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from servicekit_support import serve

from workbench.servicekit import ServiceKit, Settings

BLOCKING = """import time


async def run(seconds):
    time.sleep(seconds)
    return "done"


async def spin(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


async def calls(fn):
    fn()
"""


@pytest.fixture
def order(tmp_path: Path) -> Iterator[tuple[str, ServiceKit]]:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "checkout.py").write_text(BLOCKING)
    kit = ServiceKit(settings=Settings.from_env("order", env={"WORKSPACE": str(workspace)}))
    checkout = kit.learner_module("checkout", requires=["run"])

    @kit.app.post("/sleep/{seconds}")
    async def sleep(seconds: float) -> dict[str, Any]:
        return {"result": await checkout.run(seconds)}

    @kit.app.post("/spin/{seconds}")
    async def spin(seconds: float) -> dict[str, Any]:
        return {"result": await checkout.spin(seconds)}

    @kit.app.post("/through/{seconds}")
    async def through(seconds: float) -> dict[str, Any]:
        # The learner's code calls back into the service's, which blocks: not the learner's line.
        await checkout.calls(lambda: time.sleep(seconds))
        return {}

    @kit.app.post("/mostly-own")
    async def mostly_own() -> dict[str, Any]:
        time.sleep(1.5)  # the service's own block, then a short one of the learner's
        return {"result": await checkout.run(0.3)}  # no await point in between: one stall

    @kit.app.post("/own/{seconds}")
    async def own(seconds: float) -> dict[str, Any]:
        time.sleep(seconds)  # the service's own code, not the learner's
        return {}

    with serve(kit.app) as url:
        yield url, kit


def test_a_learner_time_sleep_is_reported_with_its_line_and_duration(
    order: tuple[str, ServiceKit],
) -> None:
    url, _ = order
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/ready").status_code == 200
        assert client.post("/sleep/1.5").status_code == 200
        stalls = client.get("/_admin/problems").json()["stalls"]
        assert len(stalls) == 1
        stall = stalls[0]
        assert stall["where"] == "checkout.py:5"
        assert 1.4 <= stall["held_s"] <= 2.0
        assert 0 <= stall["ago_s"] < 5
        assert stall["message"].startswith("checkout.py:5 held its event loop for 1.")
        assert "await asyncio.sleep" in stall["message"]
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["problems"] == [stall["message"]]


def test_a_busy_loop_is_found_in_the_learner_file(order: tuple[str, ServiceKit]) -> None:
    url, _ = order
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.post("/spin/1.0").status_code == 200
        stalls = client.get("/_admin/problems").json()["stalls"]
        assert [s["where"].split(":")[0] for s in stalls] == ["checkout.py"]
        assert int(stalls[0]["where"].split(":")[1]) in (12, 13)


def test_short_blocks_and_the_service_own_code_are_not_blamed(
    order: tuple[str, ServiceKit],
) -> None:
    url, _ = order
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.post("/sleep/0.05").status_code == 200
        assert client.post("/own/1.0").status_code == 200
        assert client.post("/through/1.0").status_code == 200
        assert client.post("/mostly-own").status_code == 200
        problems = client.get("/_admin/problems").json()
        assert problems == {"service": "order", "problems": [], "stalls": []}
        assert client.get("/ready").status_code == 200


def test_a_stall_is_forgotten_by_ready_after_its_memory(order: tuple[str, ServiceKit]) -> None:
    url, kit = order
    kit.watchdog.memory_s = 0.5
    with httpx.Client(base_url=url, timeout=10) as client:
        client.post("/sleep/0.8")
        assert client.get("/ready").status_code == 503
        time.sleep(0.6)
        assert client.get("/ready").status_code == 200
        assert len(client.get("/_admin/problems").json()["stalls"]) == 1  # still listed, aged


def test_without_a_workspace_nothing_is_watched() -> None:
    kit = ServiceKit(settings=Settings.from_env("plain", env={}))
    with serve(kit.app) as url:
        assert httpx.get(f"{url}/_admin/problems").json()["stalls"] == []
    assert kit.watchdog.stalls() == []
