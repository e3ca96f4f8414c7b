"""Readiness waits: many services at once, each until it answers, crashes or the deadline.

Each probe polls in its own thread, so a slow answer from one service never delays another; the
calling thread only sleeps on an event, so Ctrl-C lands at once and the caller can clean up.
A probe may wait for other services first (`after`): it is polled only once they are all settled
(ready or failed), and `on_unblocked` tells the caller (which then lets the service load its code).
Probes use the standard library only: importing httpx would cost start time.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CRASH_CHECK_EVERY = 0.2


@dataclass
class Probe:
    """How to tell whether one service is ready, and whether it has already failed."""

    service: str
    ready: Callable[[], bool]
    """One attempt; True when the service answers as ready."""
    crashed: Callable[[], str | None]
    """A reason when the service can no longer become ready (its process died), else None."""
    after: frozenset[str] = field(default_factory=frozenset)
    """Services that must be settled before this one is polled (its dependencies)."""


def wait_all(
    probes: list[Probe],
    timeout: float,
    *,
    interval: float = 0.03,
    on_ready: Callable[[str], None] | None = None,
    on_failed: Callable[[str, str], None] | None = None,
    on_unblocked: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Wait for every probe; returns {service: reason} for those that crashed or timed out.

    Callbacks run in the calling thread, in the order things happen.
    """
    deadline = time.monotonic() + timeout
    names = {p.service for p in probes}
    stop = threading.Event()
    outcomes: queue.Queue[tuple[str, str | None]] = queue.Queue()
    go = {p.service: threading.Event() for p in probes}
    threads = [
        threading.Thread(
            target=_poll, args=(p, go[p.service], stop, outcomes, interval), daemon=True
        )
        for p in probes
    ]
    settled: set[str] = set()
    failed: dict[str, str] = {}

    def unblock() -> None:
        for p in probes:
            if not go[p.service].is_set() and (p.after & names) <= settled:
                if on_unblocked:
                    on_unblocked(p.service)
                go[p.service].set()

    try:
        for thread in threads:
            thread.start()
        unblock()
        while len(settled) < len(probes):
            try:
                name, reason = outcomes.get(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    break
                continue
            settled.add(name)
            if reason is None:
                if on_ready:
                    on_ready(name)
            else:
                failed[name] = reason
                if on_failed:
                    on_failed(name, reason)
            unblock()
    finally:
        stop.set()
    for p in probes:
        if p.service not in settled:
            waiting = sorted(n for n in p.after & names if n not in settled)
            failed[p.service] = f"was not ready within {round(timeout, 1):g} s" + (
                f" (still waiting for {', '.join(waiting)})" if waiting else ""
            )
            if on_failed:
                on_failed(p.service, failed[p.service])
    return failed


def _poll(
    probe: Probe,
    go: threading.Event,
    stop: threading.Event,
    outcomes: queue.Queue[tuple[str, str | None]],
    interval: float,
) -> None:
    next_crash_check = 0.0
    while not stop.is_set():
        if go.is_set() and probe.ready():
            outcomes.put((probe.service, None))
            return
        now = time.monotonic()
        if now >= next_crash_check:
            next_crash_check = now + CRASH_CHECK_EVERY
            reason = probe.crashed()
            if reason:
                outcomes.put((probe.service, reason))
                return
        stop.wait(interval)


def http_ready(port: int, path: str, timeout: float = 0.5) -> bool:
    """GET http://127.0.0.1:<port><path> answers 200."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def nats_ready(port: int, timeout: float = 0.5) -> bool:
    """A NATS server greets every client with an INFO line once it accepts connections."""
    with (
        contextlib.suppress(OSError),
        socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock,
    ):
        return sock.recv(4).startswith(b"INFO")
    return False


def readiness_report(
    port: int, path: str = "/ready", timeout: float = 1.0
) -> tuple[bool, list[str]]:
    """One GET of a service's readiness path on 127.0.0.1: (ready, the problems it reports).

    The service kit answers 503 with `{"problems": [...]}` while a readiness check fails; those
    sentences are what `status` shows a learner.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    except TimeoutError:  # it runs, but its own checks (of its peers, say) take too long
        return False, [f"{path} did not answer within {timeout:g} s"]
    except (OSError, http.client.HTTPException):
        return False, ["not answering"]
    finally:
        conn.close()
    if response.status == 200:
        return True, []
    with contextlib.suppress(ValueError, AttributeError):
        return False, [str(p) for p in json.loads(body).get("problems", [])]
    return False, [f"{path} answered {response.status}"]
