"""The README's "A quick tour", run as written, as a newcomer would on a machine without Docker.

Every line of the tour's code block but `make run` (it opens the terminal UI) runs as a real
`workbench` process in a fresh HOME with its own XDG folders (and `true` as the editor), so it
touches nothing of the user's and the README's default paths (~/workbench-labs/saga) are the
ones used. DOCKER_HOST names a socket that does not exist: `--runtime auto`, the default, must
then fall back to the local runtime by itself. `graph --live` redraws and `watch` waits until
Ctrl-C, so each gets a SIGINT after a while. On the starter files `workbench check saga` must
fail with its documented exit code (1) and name the failing checks (with `-v`, what happened).
Whatever happens, the lab is stopped at the end.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
CHECK_FAILED = 1
"""`workbench check` exits 0 only when everything selected passed, else 1 (README, --help)."""

pytestmark = pytest.mark.slow


def tour_lines() -> list[str]:
    """The commands of the README's quick tour, without comments and without `make run`."""
    section = README.split("## A quick tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's quick tour has no ```sh block"
    lines = [re.split(r"\s#", line, maxsplit=1)[0].strip() for line in block[1].splitlines()]
    return [line for line in lines if line and line != "make run"]


@pytest.fixture
def newcomer_env(tmp_path: Path) -> dict[str, str]:
    """A fresh HOME and XDG folders, no workbench overrides, and no Docker engine."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WORKBENCH_", "XDG_")) and k not in ("DOCKER_HOST", "PYTEST_ADDOPTS")
    }
    home = tmp_path / "home"
    env.update(
        HOME=str(home),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        DOCKER_HOST=f"unix://{tmp_path / 'no-docker-engine.sock'}",
        COLUMNS="120",
        NO_COLOR="1",
        EDITOR="true",  # `workbench lab edit`: an editor that exits at once
    )
    home.mkdir()
    return env


def workbench(line: str) -> list[str]:
    """The installed `workbench` script; else `python -P -m workbench` (-P: the current folder,
    a HOME holding a workspaces folder, must not shadow the package)."""
    words = shlex.split(line)
    assert words[0] == "workbench", f"the tour's line {line!r} is not a workbench command"
    script = Path(sys.executable).parent / "workbench"
    command = [str(script)] if script.is_file() else [sys.executable, "-P", "-m", "workbench"]
    return [*command, *words[1:]]


def run(line: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        workbench(line), env=env, cwd=env["HOME"], capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def _ctrl_c_works() -> None:
    """In the child: Ctrl-C (SIGINT) must end it even if this test runs with SIGINT ignored
    (a background job of a non-interactive shell), which a child would otherwise inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_live(line: str, env: dict[str, str], draw_for: float = 5.0) -> tuple[int, str]:
    """A command that runs until Ctrl-C: let it draw for a while, then press Ctrl-C. (Into a pipe
    rich draws the last frame only, at the end: there is nothing to wait for before.)"""
    proc = subprocess.Popen(
        workbench(line), env=env, cwd=env["HOME"], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        preexec_fn=_ctrl_c_works,  # noqa: PLW1509 - it only resets one signal
    )  # fmt: skip
    try:
        time.sleep(draw_for)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out


def said(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"


def test_the_readme_tour_runs_as_written(newcomer_env: dict[str, str]) -> None:
    lines = tour_lines()
    assert lines[-1] == "workbench lab stop saga", lines
    try:
        for line in lines:
            if line.endswith("--live"):
                code, out = run_live(line, newcomer_env)
                assert code == 0, f"`{line}` after Ctrl-C: exit {code}\n{out}"
                assert "running on local" in out, f"`{line}` drew no live topology:\n{out}"
                assert "Traceback" not in out, out
                continue
            if line.startswith("workbench watch"):
                code, out = run_live(line, newcomer_env)
                assert code == 0, f"`{line}` after Ctrl-C: exit {code}\n{out}"
                assert "checkout.py is still as handed out" in out, out
                assert "saga keeps running" in out and "Traceback" not in out, out
                continue
            proc = run(line, newcomer_env)
            assert "Traceback" not in proc.stdout + proc.stderr, f"`{line}`: {said(proc)}"
            if line.startswith("workbench check saga"):
                assert proc.returncode == CHECK_FAILED, f"`{line}` on the starter: {said(proc)}"
                assert "✗" in proc.stdout, f"`{line}` names no failing check: {said(proc)}"
                assert "happy-path" in proc.stdout + proc.stderr, said(proc)
                if "-v" in line.split():
                    assert "what happened" in proc.stdout, said(proc)
                    assert "check → order  POST /orders" in proc.stdout, said(proc)
                continue
            assert proc.returncode == 0, f"`{line}`: {said(proc)}"
            if line == "workbench lab init saga":
                assert (
                    Path(newcomer_env["HOME"]) / "workbench-labs" / "saga" / "checkout.py"
                ).is_file()
            if line == "workbench lab start saga":
                assert "local runtime" in proc.stdout, f"auto did not pick local: {said(proc)}"
    finally:
        stop = run("workbench lab stop --all", newcomer_env)
        if stop.returncode != 0:
            run("workbench gc", newcomer_env)
    runs = Path(newcomer_env["XDG_STATE_HOME"]) / "workbench" / "runs"
    assert not runs.is_dir() or not any(runs.iterdir()), "the tour left a run behind"
