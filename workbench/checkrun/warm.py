"""Check runs forked from a warm process instead of started cold, for processes that check often.

A cold check run is a new `python -m pytest`: starting Python and importing pytest, httpx, the
checks plugin and the runtime takes 0.5–0.7 s of a run that checks for a few hundred
milliseconds. The TUI, watch mode, self-tests and mutation runs check again and again, so they
`enable()` a fork server (`workbench.checkrun.forkserver`) that has imported all that once; each
run is a fork of it, with the same isolation as a new process: its own session, environment,
working folder and output file, killed by process group like before. A one-off
`workbench check` stays cold (starting the server would cost what it saves).

`WORKBENCH_WARM_CHECKS=0` turns it off. A server that cannot start or dies leaves the runs cold.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 30.0


class _State:
    def __init__(self) -> None:
        self.enabled = False
        self.server: _Server | None = None
        self.lock = threading.Lock()


_state = _State()


def enable() -> None:
    """Fork the check runs of this process from a warm server from now on (started on first
    use; stopped when the process exits)."""
    _state.enabled = os.environ.get("WORKBENCH_WARM_CHECKS", "1") != "0"


def spawn(args: list[str], *, cwd: Path, env: dict[str, str], output: Path) -> WarmRun | None:
    """Start `pytest args` as a fork of the warm server; None when runs are cold here (not
    enabled, or the server is not available: then the caller starts a process itself)."""
    if not _state.enabled:
        return None
    server = _current()
    if server is None:
        return None
    return server.spawn(args, cwd=cwd, env=env, output=output)


def stop() -> None:
    """Stop the server (its runs still going finish on their own)."""
    with _state.lock:
        server, _state.server = _state.server, None
    if server is not None:
        server.close()


def _current() -> _Server | None:
    with _state.lock:
        if _state.server is not None and not _state.server.alive():
            _state.server = None
        if _state.server is None:
            try:
                _state.server = _Server.start()
            except (OSError, RuntimeError):
                _state.enabled = False  # not here: every run starts cold, as before
                return None
        return _state.server


class WarmRun:
    """A forked run, like the part of `subprocess.Popen` the runner uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._done = threading.Event()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        self._done.wait(timeout)
        return self.returncode

    def _ended(self, code: int) -> None:
        self.returncode = code
        self._done.set()


class _Server:
    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self._write = threading.Lock()
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._runs: dict[int, WarmRun] = {}
        self._ended: dict[int, int] = {}
        self._runs_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="warm-checks", daemon=True)

    @classmethod
    def start(cls) -> _Server:
        proc = subprocess.Popen(
            [sys.executable, "-B", "-P", "-m", "workbench.checkrun.forkserver"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal is not for it
            cwd=os.path.abspath(os.sep),
            env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )
        server = cls(proc)
        server._reader.start()
        try:
            ready = server._replies.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            server.close()
            raise RuntimeError("the warm checks process did not start") from None
        if "ready" not in ready:
            server.close()
            raise RuntimeError("the warm checks process did not start")
        atexit.register(server.close)
        return server

    def alive(self) -> bool:
        return self.proc.poll() is None and self._reader.is_alive()

    def spawn(
        self, args: list[str], *, cwd: Path, env: dict[str, str], output: Path
    ) -> WarmRun | None:
        request = {"args": args, "cwd": str(cwd), "env": env, "output": str(output)}
        with self._write:  # one request at a time: the next reply is this one's
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write((json.dumps(request) + "\n").encode())
                self.proc.stdin.flush()
                reply = self._replies.get(timeout=START_TIMEOUT_S)
            except (OSError, ValueError, queue.Empty):
                return None
        if "pid" not in reply:
            return None
        run = WarmRun(int(reply["pid"]))
        with self._runs_lock:
            if run.pid in self._ended:  # it ended before we got here
                run._ended(self._ended.pop(run.pid))
            else:
                self._runs[run.pid] = run
        return run

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if "exit" in message:
                pid, code = int(message["exit"]), int(message["code"])
                with self._runs_lock:
                    run = self._runs.pop(pid, None)
                    if run is None:
                        self._ended[pid] = code
                if run is not None:
                    run._ended(code)
            else:
                self._replies.put(message)
        # The server is gone: a run it can no longer report on is killed, and says so.
        with self._runs_lock:
            orphans, self._runs = list(self._runs.values()), {}
        for run in orphans:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(run.pid, signal.SIGKILL)
            run._ended(-signal.SIGKILL)
        self._replies.put({"error": "the warm checks process ended"})

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
