"""On the Docker runtime no learner code runs on the host: a `pricing.py` that writes a file to a
host path at import writes nothing there, neither in `workbench check`'s import pre-check (in a
throw-away container) nor in the services, and the pre-check still reports file and line. Files
that allocate, exit or loop at import meet the container's limits and the pre-check's timeout,
with the exact message the learner reads, and leave no container behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import TESTS, docker_required

from workbench.checkrun.imports import IMPORT_TIMEOUT
from workbench.dockerengine import labels
from workbench.runtime.docker import engine_available

pytestmark = pytest.mark.docker

HOSTILE = TESTS / "fixtures" / "hostile" / "learner"
WORKBENCH = [sys.executable, "-m", "workbench"]
PRECHECK_BOUND = 20.0
"""Seconds a check that stops at the pre-check may take (images cached; a container start)."""


def wb(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WORKBENCH, *args], capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip


def check(workspace: Path, *more: str) -> tuple[dict[str, Any], float]:
    began = time.monotonic()
    done = wb("check", "shop", "--workspace", str(workspace), "--json", *more)
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout), time.monotonic() - began


def leftovers() -> list[str]:
    """This state folder's containers, networks and volumes on the engine."""
    from workbench.dockerengine import connect

    client = connect()
    try:
        mine = labels.state_filter()
        return [
            *(c.name for c in client.containers.list(all=True, filters=mine, ignore_removed=True)),
            *(n.name for n in client.networks.list(filters=mine)),
            *(v.name for v in client.volumes.list(filters=mine)),
        ]
    finally:
        client.close()


@pytest.fixture
def hostile(fixture_labs: Path, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(workspace, target): the write-outside learner file in a workspace, and the host path it
    writes to (outside the workspace, in a folder that does not exist yet)."""
    if not engine_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but no Docker engine answers")
        pytest.skip("no Docker engine answers")
    workspace, target = tmp_path / "workspace", tmp_path / "outside" / "written.txt"
    workspace.mkdir()
    text = (HOSTILE / "write_outside.py").read_text(encoding="utf-8")
    (workspace / "pricing.py").write_text(text.replace("__TARGET__", str(target)), "utf-8")
    os.chmod(workspace, 0o755)  # the services' user reads it
    os.chmod(workspace / "pricing.py", 0o644)
    yield workspace, target
    wb("lab", "stop", "shop")
    assert leftovers() == []


def test_the_pre_check_runs_the_learner_file_in_a_container(hostile: tuple[Path, Path]) -> None:
    workspace, target = hostile
    pricing = workspace / "pricing.py"
    lines = pricing.read_text(encoding="utf-8").splitlines()
    pricing.write_text("\n".join([*lines, "BROKEN = NOT_DEFINED", ""]), encoding="utf-8")
    result, elapsed = check(workspace, "--start", "--runtime", "docker")
    assert result["import_problems"] == [
        {
            "file": "pricing.py",
            "line": len(lines) + 1,
            "message": "importing it failed with NameError: name 'NOT_DEFINED' is not defined",
        }
    ]
    assert result["run_id"] is None  # nothing started on a file that does not load
    assert elapsed < PRECHECK_BOUND
    assert not target.exists()
    assert not target.parent.exists()
    assert leftovers() == []  # the pre-check's container is gone


def test_neither_the_pre_check_nor_the_services_write_to_the_host(
    hostile: tuple[Path, Path],
) -> None:
    workspace, target = hostile
    result, _ = check(workspace, "--start", "--runtime", "docker")
    assert result["passed"] is True, result
    assert not target.parent.exists()  # written in the containers' /tmp, not the host's
    again, elapsed = check(workspace)  # the pre-check on the running Docker run
    assert again["passed"] is True, again
    assert again["run_id"] == result["run_id"]
    assert elapsed < PRECHECK_BOUND + 30
    assert not target.parent.exists()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("allocate", "importing it ended the Python process (out of memory: the limit is 256m)"),
        ("exit_at_import", "importing it ended the Python process (no output)"),
        (
            "loop_at_import",
            f"importing it did not finish within {IMPORT_TIMEOUT:g} s: does it run something at "
            "import time (a loop, a server, input())?",
        ),
    ],
)
def test_hostile_files_meet_the_containers_limits_in_the_pre_check(
    hostile: tuple[Path, Path], case: str, message: str
) -> None:
    workspace, _ = hostile
    (workspace / "pricing.py").write_text(
        (HOSTILE / f"{case}.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result, elapsed = check(workspace, "--start", "--runtime", "docker")
    assert result["import_problems"] == [{"file": "pricing.py", "line": None, "message": message}]
    assert result["run_id"] is None
    assert elapsed < PRECHECK_BOUND
    assert leftovers() == []  # the container was removed, the timed-out one killed first
