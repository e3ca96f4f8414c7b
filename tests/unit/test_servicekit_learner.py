"""The learner's module: loaded from WORKSPACE, problems reported with file and line, reloaded."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from workbench.servicekit import LearnerCodeError, ServiceKit, Settings

GOOD = "def total_cents(items, code=None):\n    return sum(i['q'] for i in items)\n"


def write(path: Path, text: str) -> None:
    """Write and move the mtime on, as an editor save a moment later would."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    ws.mkdir()
    return ws


def make_kit(workspace: Path | None) -> tuple[ServiceKit, Any]:
    env = {"WORKSPACE": str(workspace)} if workspace else {}
    kit = ServiceKit(settings=Settings.from_env("orders", env=env))
    pricing = kit.learner_module("pricing", requires=["total_cents"])

    @kit.app.post("/price")
    async def price(items: list[dict[str, int]]) -> dict[str, Any]:
        return {"total": pricing.total_cents(items)}

    return kit, pricing


@pytest.fixture
async def client(workspace: Path) -> AsyncIterator[httpx.AsyncClient]:
    kit, _ = make_kit(workspace)
    transport = httpx.ASGITransport(app=kit.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://orders") as c:
        yield c


async def ready_problems(client: httpx.AsyncClient) -> list[str]:
    r = await client.get("/ready")
    assert r.status_code == (200 if r.json()["ready"] else 503)
    return list(r.json()["problems"])


async def test_a_good_module_is_used(workspace: Path) -> None:
    write(workspace / "pricing.py", GOOD)
    kit, pricing = make_kit(workspace)
    assert pricing.total_cents([{"q": 2}, {"q": 3}]) == 5
    assert pricing.problem is None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=kit.app), base_url="http://x"
    ) as c:
        assert (await c.get("/ready")).status_code == 200
        assert (await c.post("/price", json=[{"q": 4}])).json() == {"total": 4}


async def test_a_syntax_error_is_reported_with_its_line_and_the_service_stays_up(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(workspace / "pricing.py", "def total_cents(items, code=None)\n    return 0\n")
    kit, _ = make_kit(workspace)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=kit.app), base_url="http://x"
    ) as c:
        problems = await ready_problems(c)
        assert len(problems) == 1
        assert problems[0].startswith("pricing.py line 1: SyntaxError")
        assert (await c.get("/health")).status_code == 200
        r = await c.post("/price", json=[{"q": 1}])
        assert r.status_code == 500
        assert r.json()["where"] == "pricing.py:1"
        assert "SyntaxError" in r.json()["error"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    problem = next(line for line in logged if line["msg"] == "learner code problem")
    assert (problem["module"], problem["where"], problem["level"]) == (
        "pricing",
        "pricing.py:1",
        "error",
    )


async def test_an_exception_at_import_points_at_the_learners_line(workspace: Path) -> None:
    write(workspace / "pricing.py", "RATE = 1\n\nDISCOUNT = 10 / 0\n")
    _, pricing = make_kit(workspace)
    assert pricing.where == "pricing.py:3"
    assert "ZeroDivisionError" in pricing.problem
    with pytest.raises(LearnerCodeError, match="ZeroDivisionError"):
        pricing.total_cents([])


async def test_a_missing_function_is_named(workspace: Path) -> None:
    write(workspace / "pricing.py", "def total(items):\n    return 0\n")
    _, pricing = make_kit(workspace)
    assert pricing.problem == "pricing.py does not define total_cents; the service calls it"


async def test_a_missing_file_or_workspace_is_reported(workspace: Path) -> None:
    _, pricing = make_kit(workspace)
    assert "pricing.py is missing from your workspace" in pricing.problem
    _, pricing = make_kit(None)
    assert pricing.problem == "cannot load pricing: WORKSPACE is not set"


async def test_an_error_inside_the_learners_function_is_a_500_naming_the_line(
    workspace: Path, client: httpx.AsyncClient
) -> None:
    write(
        workspace / "pricing.py",
        "def total_cents(items, code=None):\n    total = 0\n    return total + items[0]['x']\n",
    )
    r = await client.post("/price", json=[{"q": 1}])
    assert r.status_code == 500
    assert r.json()["where"] == "pricing.py:3"
    assert r.json()["error"] == "your code failed at pricing.py:3: KeyError: 'x'"


async def test_a_fix_is_picked_up_without_a_restart(
    workspace: Path, client: httpx.AsyncClient
) -> None:
    write(workspace / "pricing.py", "def total_cents(items, code=None):\n    return (\n")
    assert (await ready_problems(client))[0].startswith("pricing.py line 2: SyntaxError")
    write(workspace / "pricing.py", GOOD)
    assert await ready_problems(client) == []
    assert (await client.post("/price", json=[{"q": 7}])).json() == {"total": 7}
    write(workspace / "pricing.py", GOOD.replace("i['q']", "2 * i['q']"))
    assert (await client.post("/price", json=[{"q": 7}])).json() == {"total": 14}


async def test_helpers_the_module_imports_are_fresh_too(workspace: Path) -> None:
    write(workspace / "rates.py", "RATE = 1\n")
    write(
        workspace / "pricing.py",
        "import rates\n\ndef total_cents(items, code=None):\n    return rates.RATE\n",
    )
    import sys

    sys.path.insert(0, str(workspace))
    try:
        _, pricing = make_kit(workspace)
        assert pricing.total_cents([]) == 1
        write(workspace / "rates.py", "RATE = 2\n")
        write(workspace / "pricing.py", (workspace / "pricing.py").read_text() + "\n")
        assert pricing.total_cents([]) == 2
    finally:
        sys.path.remove(str(workspace))
        sys.modules.pop("rates", None)
