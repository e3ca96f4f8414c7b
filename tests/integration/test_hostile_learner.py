"""Hostile learner files (`tests/fixtures/hostile/learner`) against `workbench check` on the local
runtime, through the CLI: the exact message the learner sees, an answer within seconds, and
nothing left running or written outside the workspace and run folders.

The local runtime runs learner code as the user, unconfined (README: "Running a lab"): a file it
writes outside the workspace is written. The Docker runtime's counterpart of that case is
`tests/docker/test_hostile_learner_docker.py`.
"""

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
from support import TESTS

from workbench.checkrun.imports import IMPORT_TIMEOUT

HOSTILE = TESTS / "fixtures" / "hostile" / "learner"
WORKBENCH = [sys.executable, "-m", "workbench"]
PRECHECK_BOUND = 8.0
"""Seconds a check may take that stops at the pre-check (beside its own timeout, if it hits it)."""
START_BOUND = 60.0
"""Seconds a check may take that starts the shop lab (5 local processes) and runs its checks."""


def wb(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WORKBENCH, *args], capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip


def learner_workspace(root: Path, case: str, target: Path | None = None) -> Path:
    workspace = root / "workspace"
    workspace.mkdir()
    text = (HOSTILE / f"{case}.py").read_text(encoding="utf-8")
    (workspace / "pricing.py").write_text(text.replace("__TARGET__", str(target)), encoding="utf-8")
    return workspace


def check(workspace: Path, *more: str) -> tuple[dict[str, Any], float]:
    began = time.monotonic()
    done = wb("check", "shop", "--workspace", str(workspace), "--json", *more)
    elapsed = time.monotonic() - began
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout), elapsed


def processes_of(workspace: Path) -> list[str]:
    """Processes whose command line or environment names the workspace (the pre-check's child
    and anything it forked, the services and anything they forked)."""
    needle = str(workspace).encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue  # gone, or not ours
        if needle in cmdline or needle in environ:
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{proc.name}: {command}")
    return found


def run_folders(state: Path) -> list[Path]:
    runs = state / "runs"
    return sorted(runs.iterdir()) if runs.is_dir() else []


@pytest.fixture
def shop(fixture_labs: Path, tmp_path: Path, isolated_state: Path) -> Iterator[Path]:
    """A folder for the test's workspace and targets; afterwards the lab is stopped and nothing
    of the learner's code may still run, nor any run folder be left."""
    root = tmp_path / "hostile"
    root.mkdir()
    yield root
    stopped = wb("lab", "stop", "shop")
    deadline = time.monotonic() + 5
    while processes_of(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_of(root) == [], stopped.stdout + stopped.stderr
    assert run_folders(isolated_state) == []


def only_the_workspace(root: Path) -> None:
    assert sorted(p.name for p in root.iterdir()) == ["workspace"]
    assert sorted(p.name for p in (root / "workspace").iterdir()) == ["pricing.py"]


def test_allocating_at_import_is_a_memory_error_on_its_line(shop: Path) -> None:
    workspace = learner_workspace(shop, "allocate")
    result, elapsed = check(workspace, "--start", "--runtime", "local")
    assert result["import_problems"] == [
        {"file": "pricing.py", "line": 3, "message": "importing it failed with MemoryError"}
    ]
    assert result["passed"] is False
    assert result["checks"] == []
    assert elapsed < PRECHECK_BOUND
    assert processes_of(shop) == []
    only_the_workspace(shop)


def test_looping_at_import_is_stopped_by_the_timeout(shop: Path) -> None:
    workspace = learner_workspace(shop, "loop_at_import")
    result, elapsed = check(workspace, "--start", "--runtime", "local")
    assert result["import_problems"] == [
        {
            "file": "pricing.py",
            "line": None,
            "message": f"importing it did not finish within {IMPORT_TIMEOUT:g} s: does it run "
            "something at import time (a loop, a server, input())?",
        }
    ]
    assert IMPORT_TIMEOUT <= elapsed < IMPORT_TIMEOUT + PRECHECK_BOUND
    assert processes_of(shop) == []
    only_the_workspace(shop)


def test_exiting_at_import_is_reported(shop: Path) -> None:
    workspace = learner_workspace(shop, "exit_at_import")
    result, elapsed = check(workspace, "--start", "--runtime", "local")
    assert result["import_problems"] == [
        {
            "file": "pricing.py",
            "line": None,
            "message": "importing it ended the Python process (no output)",
        }
    ]
    assert elapsed < PRECHECK_BOUND
    assert processes_of(shop) == []
    only_the_workspace(shop)


def test_a_child_forked_at_import_does_not_outlive_the_check_or_the_lab(shop: Path) -> None:
    workspace = learner_workspace(shop, "fork")
    result, elapsed = check(workspace)  # the pre-check alone: the lab is not running
    assert result["import_problems"] == []
    assert result["error"].startswith("lab 'shop' is not running")
    assert elapsed < PRECHECK_BOUND
    assert processes_of(shop) == []  # the pre-check's child and what it forked are gone

    result, elapsed = check(workspace, "--start", "--runtime", "local")
    assert result["passed"] is True, result
    assert elapsed < START_BOUND
    # The orders service forked too when it loaded the file: `lab stop` (the fixture) ends it.


def test_a_function_that_never_returns_fails_its_check_within_the_timeout(shop: Path) -> None:
    workspace = learner_workspace(shop, "loop_in_run")
    result, elapsed = check(workspace, "--start", "--runtime", "local", "--timeout", "5")
    assert result["import_problems"] == []
    assert result["passed"] is False
    first = result["checks"][0]
    assert (first["outcome"], first["message"]) == (
        "error",
        "the check did not finish within 5 s (something it waited on hangs)",
    )
    assert elapsed < START_BOUND
    only_the_workspace(shop)


def test_writing_outside_the_workspace_is_not_prevented_on_the_local_runtime(shop: Path) -> None:
    """The documented limit of the local runtime: the write happens (on Docker it does not)."""
    target = shop / "outside" / "written.txt"
    workspace = learner_workspace(shop, "write_outside", target)
    result, elapsed = check(workspace)
    assert result["import_problems"] == []
    assert elapsed < PRECHECK_BOUND
    assert target.read_text(encoding="utf-8") == "written by the learner's pricing.py at import\n"
    assert processes_of(shop) == []


def test_the_checks_never_import_a_learner_module_named_like_their_libraries(shop: Path) -> None:
    """The checks' pytest process runs outside the workspace, with no current folder on sys.path:
    a learner's `pytest.py` is not what `python -m pytest` runs (it was, on the host)."""
    marker = shop / "outside" / "ran.txt"
    workspace = learner_workspace(shop, "write_outside", shop / "workspace" / "ignored.txt")
    solution = (TESTS / "fixtures" / "labs" / "shop" / "solution" / "pricing.py").read_text()
    (workspace / "pricing.py").write_text(solution, encoding="utf-8")
    hostile = (
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).parent.mkdir(parents=True, exist_ok=True)\n"
        f"pathlib.Path({str(marker)!r}).write_text(__name__)\n"
    )
    for name in ("pytest.py", "pluggy.py", "conftest.py"):
        (workspace / name).write_text(hostile, encoding="utf-8")
    result, elapsed = check(workspace, "--start", "--runtime", "local")
    assert result["passed"] is True, result
    assert elapsed < START_BOUND
    assert not marker.exists()
