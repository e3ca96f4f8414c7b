"""The warm checks process: imports what every check run needs once, then forks a run per request.

Started by `workbench.checkrun.warm` as `python -B -P -m workbench.checkrun.forkserver`, in a
session of its own (a Ctrl-C in the terminal is the workbench's to handle, not this process's).
It talks JSON lines on its stdin/stdout, one thread, no other state:

- in: `{"args": [pytest arguments], "cwd": folder, "env": {the whole environment}, "output":
  file}`; out: `{"pid": n}` once the run is forked (or `{"error": sentence}`).
- out, whenever a run ends: `{"exit": pid, "code": exit code}` (negative: killed by that signal).

A run is a child that starts a session of its own (the workbench kills its process group on a
deadline or a cancel, as it would a `python -m pytest` it had started), takes the request's
environment and working folder, writes stdout and stderr to `output`, and runs `pytest.main`.
The lab's check modules and conftest are imported in the child only, so changed checks need no
new server. End of input (the workbench exited, even by kill -9) ends the server; runs still
going finish on their own, as they would have.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import sys
import traceback
from typing import Any

PRELOAD = (
    "pytest",
    "pytest_timeout",
    "pytest_asyncio.plugin",
    "httpx",
    "http.client",
    "nats",
    "workbench.checks.plugin",
    "workbench.checks.fixtures",
    "workbench.checks.faults",
    "workbench.checks.stats",
    "workbench.checks.events",
    "workbench.checks.design",
    "workbench.checks.topology",
    "workbench.lab.model",
    "workbench.runtime.select",
)
"""What a run would import on its way to the first check (optional ones may be missing)."""

POLL_S = 0.02


def preload() -> None:
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(Exception):
        from workbench.checks.clients import tls

        tls()  # the CA bundle read once, here, instead of in every run


def serve(requests: int, replies: int) -> None:
    pending = b""
    while True:
        readable, _, _ = select.select([requests], [], [], POLL_S)
        if readable:
            chunk = os.read(requests, 65536)
            if not chunk:
                return  # the workbench is gone
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    try:
                        request = json.loads(line)
                    except ValueError:
                        _send(replies, {"error": "not a request"})
                        continue
                    _send(replies, _fork(request, requests, replies))
        _reap(replies)


def _fork(request: dict[str, Any], requests: int, replies: int) -> dict[str, Any]:
    # The pid is answered once the run leads its own process group, so that killing the group
    # can never miss it: the child says so through a pipe.
    grouped, says_grouped = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(grouped)
        os.close(says_grouped)
        return {"error": f"could not fork a checks process: {exc}"}
    if pid == 0:
        os.close(requests)
        os.close(replies)
        os.close(grouped)
        _run(request, says_grouped)  # never returns
    os.close(says_grouped)
    os.read(grouped, 1)  # b"" too if the child died before: then its exit is reported
    os.close(grouped)
    return {"pid": pid}


def _run(request: dict[str, Any], says_grouped: int) -> None:
    code = 70
    try:
        os.setsid()
        os.write(says_grouped, b"g")
        os.close(says_grouped)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        out = os.open(request["output"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(out, 2)
        os.close(out)
        os.close(null)
        sys.argv = ["pytest", *request["args"]]
        import pytest

        code = int(pytest.main(list(request["args"])))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reap(replies: int) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(replies, {"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def _send(replies: int, message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(replies, data) :]


def main() -> None:
    # The protocol owns the real stdin/stdout; anything a preloaded module prints goes nowhere.
    requests, replies = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    sys.dont_write_bytecode = True  # no __pycache__ in the learner's workspace
    preload()
    _send(replies, {"ready": os.getpid()})
    serve(requests, replies)


if __name__ == "__main__":
    main()
