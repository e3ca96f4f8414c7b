"""The lab, fault and gc commands: fast start-up (no heavy imports), errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import FIXTURE_LABS

HEAVY = ("textual", "docker", "diagrams", "fastapi", "uvicorn", "httpx", "networkx")

# Runs the real entry point, then reports which heavy libraries it had loaded.
PROBE = """
import atexit, json, sys
HEAVY = {heavy!r}
atexit.register(lambda: sys.__stderr__.write(
    "LOADED " + json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set(HEAVY))) + "\\n"))
sys.argv = ["workbench", *{args!r}]
from workbench.cli import main
main()
"""


def run_cli(*args: str, state: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {
        **os.environ,
        "WORKBENCH_LABS_PATH": str(FIXTURE_LABS),
        "WORKBENCH_STATE_DIR": str(state),
        "COLUMNS": "200",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY, args=list(args))],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    loaded_line = [line for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    loaded = json.loads(loaded_line[-1][len("LOADED ") :]) if loaded_line else ["?"]
    return result, loaded


@pytest.mark.parametrize(
    "args",
    [("--help",), ("labs", "list"), ("lab", "--help"), ("lab", "status"), ("fault", "--help"),
     ("lab", "status", "--json")],
)  # fmt: skip
def test_fast_commands_import_no_heavy_library(args: tuple[str, ...], isolated_state: Path) -> None:
    result, loaded = run_cli(*args, state=isolated_state)
    assert result.returncode == 0, result.stderr
    assert loaded == [], f"`workbench {' '.join(args)}` imported {loaded}"


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (("lab", "start", "nope"), "no lab called 'nope'", "labs available: "),
        (
            ("lab", "start", "design-mini"),
            "lab 'design-mini' has no services to run",
            "workbench check design-mini",
        ),
        (("lab", "stop", "shop"), "lab 'shop' is not running", "workbench lab start shop"),
        (("lab", "logs", "shop"), "lab 'shop' is not running", "workbench lab start shop"),
        (("lab", "restart", "shop", "orders"), "lab 'shop' is not running", "lab start shop"),
        (("fault", "shop", "orders", "latency"), "lab 'shop' is not running", "lab start shop"),
        (("fault", "clear", "shop"), "lab 'shop' is not running", "lab start shop"),
        (
            ("lab", "start", "shop", "--workspace", "/no/such/dir", "--runtime", "local"),
            "workspace /no/such/dir is not a folder",
            "workbench lab init shop /no/such/dir",
        ),
    ],
)
def test_mistakes_get_a_message_and_a_hint_never_a_traceback(
    args: tuple[str, ...], message: str, hint: str, isolated_state: Path
) -> None:
    result, _ = run_cli(*args, state=isolated_state)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: {message}" in result.stderr
    hint_line = result.stderr[result.stderr.index("hint: ") :].replace("\n", " ")
    assert hint in hint_line


def test_fault_usage_and_gc_with_nothing_to_do(isolated_state: Path) -> None:
    usage, _ = run_cli("fault", "shop", state=isolated_state)
    assert usage.returncode == 2
    assert "expected LAB SERVICE KIND" in usage.stderr
    stop, _ = run_cli("lab", "stop", state=isolated_state)
    assert stop.returncode == 2
    assert "name the lab to stop, or use --all" in stop.stderr
    gc, _ = run_cli("gc", state=isolated_state)
    assert gc.returncode == 0, gc.stderr
    assert "removed 0 run folder(s)" in gc.stdout
    status, _ = run_cli("lab", "status", "--json", state=isolated_state)
    assert json.loads(status.stdout) == {"runs": []}
