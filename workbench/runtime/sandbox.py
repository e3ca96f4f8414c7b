"""Where learner code runs outside the services: the import pre-check's child (`checkrun.imports`).

A `Sandbox` runs one Python child and reports what it printed and how it ended. `HostPython` is the
local runtime's: on the host, as the user, in a process group of its own that is killed when the
child is done (what it forked goes too), under an address-space limit and a timeout, and otherwise
unconfined, as the local runtime's services are. The Docker runtime's (`runtime.docker.sandbox`)
runs it in a throw-away container with the services' user, read-only root, limits and no network.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

HOST_MEMORY_LIMIT = 1 << 30
"""Bytes of address space the child may use on the host (a container has its memory limit)."""


@dataclass(frozen=True)
class ChildOutput:
    """What the pre-check's child printed, and how it ended."""

    stdout: str
    stderr: str
    timed_out: bool = False
    ended: str | None = None
    """Why the child ended early when the sandbox knows better than its stderr (out of memory)."""


class Sandbox(Protocol):
    """Where learner code runs for the pre-check: the host, or a container like the services'."""

    def run_python(
        self, script: str, args: list[str], *, workspace: Path, paths: list[Path], timeout: float
    ) -> ChildOutput:
        """Run `python -c script WORKSPACE PATHS *args LIMIT`: WORKSPACE and PATHS (a JSON list)
        are where the child sees `workspace` and `paths`, LIMIT the address space in bytes the
        child sets itself (0: none, a container has a memory limit). Stop it after `timeout`
        seconds, and leave nothing of it running."""
        ...


class HostPython:
    """The pre-check's child on the host, as the user (the local runtime)."""

    memory_limit: int = HOST_MEMORY_LIMIT

    def run_python(
        self, script: str, args: list[str], *, workspace: Path, paths: list[Path], timeout: float
    ) -> ChildOutput:
        command = [
            sys.executable,
            "-c",
            script,
            str(workspace),
            json.dumps([str(p) for p in paths]),
        ]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        with tempfile.TemporaryDirectory(prefix="workbench-precheck-") as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            with out.open("wb") as stdout, err.open("wb") as stderr:
                # Files, not pipes: a process the learner's code forked would hold a pipe open.
                proc = subprocess.Popen(
                    [*command, *args, str(self.memory_limit)],
                    cwd=workspace,
                    env=env,
                    stdout=stdout,
                    stderr=stderr,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
                try:
                    proc.wait(timeout=timeout)
                    timed_out = False
                except subprocess.TimeoutExpired:
                    timed_out = True
                finally:
                    # Whatever it forked goes with it (a child that made a session of its own
                    # escapes: the local runtime does not confine learner code).
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    _wait_for_group_to_end(proc.pid)
            return ChildOutput(
                out.read_text(encoding="utf-8", errors="replace"),
                err.read_text(encoding="utf-8", errors="replace"),
                timed_out,
            )


def _wait_for_group_to_end(pgid: int, within: float = 2.0) -> None:
    """SIGKILL is delivered asynchronously: a forked child can live on for a moment after it, and
    the caller promises that nothing of the learner's runs when it returns. A dead child left for
    init to reap (a zombie) runs nothing, so it does not count."""
    deadline = time.monotonic() + within
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def _group_alive(pgid: int) -> bool:
    proc = Path("/proc")
    if not proc.is_dir():  # not Linux: nothing to look at
        return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False
