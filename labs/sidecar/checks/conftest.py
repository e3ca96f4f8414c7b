"""The sidecar lab driven from outside: the app's log and calls in, the collector and upstreams out.

Checks write log lines through legacy-app's admin door and judge what the collector received
(every line once, in order); they call legacy-app, as its users do, and judge what the users got
(status, how fast) and what the upstreams saw (their served counts, the payments ledger) — never
how shipper.py or ambassador.py is written. Every check uses its own marker, customers and
payment references, so checks never see each other's data.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
import pytest

from workbench.checks import Faults
from workbench.checks.clients import client
from workbench.checks.stats import wait_quiet

T = TypeVar("T")

SHIP_WAIT_S = 2.0
"""Every line must reach the collector within this (the exercise's promise)."""
CONFIG_WAIT_S = 2.0
"""A setting put in config must be in force within this (the ambassador reads it every 0.5 s)."""


def settle(read: Callable[[], T], ok: Callable[[T], bool], within: float) -> T:
    """Read until `ok(value)` or time is up; returns the last value read (judge it after)."""
    deadline = time.monotonic() + within
    while True:
        try:
            value = read()
        except httpx.TransportError:
            value = None  # type: ignore[assignment]  # restarting: not yet
        if value is not None and ok(value):
            return value
        if time.monotonic() >= deadline:
            return value
        time.sleep(0.05)


def marker(what: str) -> str:
    return f"{what}-{uuid.uuid4().hex[:8]}"


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ok(response: httpx.Response, what: str) -> httpx.Response:
    # These calls drive the lab itself; failing here is a lab problem, not the learner's.
    if response.status_code >= 400:
        raise RuntimeError(
            f"could not {what}: {response.request.method} {response.request.url} "
            f"answered {response.status_code}: {response.text[:300]}"
        )
    return response


class Logs:
    """legacy-app's log, the shipper's loop and what the collector holds."""

    def __init__(self, http: httpx.Client, url: Callable[[str], str]) -> None:
        self.http = http
        self.url = url

    def write(self, n: int, text: str) -> list[str]:
        """n lines ending in `text #i`; returns the lines as written."""
        return self._write({"n": n, "text": text})

    def write_lines(self, lines: list[str], tail: str | None = None) -> list[str]:
        return self._write({"lines": lines, "tail": tail})

    def _write(self, body: dict[str, Any]) -> list[str]:
        answer = _ok(self.http.post(f"{self.url('legacy-app')}/_admin/write", json=body),
                     "write to the app's log")  # fmt: skip
        return list(answer.json()["lines"])

    def rotate(self) -> None:
        _ok(self.http.post(f"{self.url('legacy-app')}/_admin/rotate"), "rotate the app's log")

    def files(self) -> dict[str, Any]:
        return dict(_ok(self.http.get(f"{self.url('legacy-app')}/_admin/files"),
                        "list the app's log files").json())  # fmt: skip

    def shipper_loop(self, running: bool) -> None:
        """Stop the shipper's loop (once its round under way has finished) or start it again."""
        _ok(self.http.post(f"{self.url('shipper')}/_admin/loop", json={"running": running},
                           timeout=10.0), "pause the shipper's loop")  # fmt: skip

    def shipper_error(self) -> str:
        """The last exception ship_once raised, in words (empty when none)."""
        try:
            state = self.http.get(f"{self.url('shipper')}/_admin/loop", timeout=2.0).json()
        except (httpx.HTTPError, ValueError):
            return ""
        error = state.get("last_error")
        if not error:
            return ""
        where = f" at {error['where']}" if error.get("where") else ""
        return f" (ship_once last raised{where}: {short(error['error'], 200)})"

    def raised_since(self, since: float) -> str:
        """What ship_once last raised, if it raised after `since` (time.time()); else ""."""
        state = _ok(self.http.get(f"{self.url('shipper')}/_admin/loop"), "read the shipper's loop")
        error = state.json().get("last_error")
        if not error or float(error.get("at", 0)) < since:
            return ""
        where = f" at {error['where']}" if error.get("where") else ""
        return f"ship_once raised{where}: {short(error['error'], 200)}"

    def collected(self, text: str) -> list[dict[str, Any]]:
        """The collector's lines holding `text`, in the order they first arrived."""
        answer = self.http.get(f"{self.url('collector')}/lines", params={"contains": text})
        return list(_ok(answer, "read the collector").json()["lines"])

    def wait_collected(self, text: str, expected: list[str],
                       within: float = SHIP_WAIT_S) -> list[dict[str, Any]]:  # fmt: skip
        """Wait until every expected line holding `text` is in the collector; the lines then."""
        wanted = set(expected)
        found = settle(lambda: self.collected(text),
                       lambda got: wanted <= {line["text"] for line in got}, within)  # fmt: skip
        return found or []

    def wait_down(self, service: str, within: float = 4.0) -> bool:
        def down() -> bool:
            try:
                self.http.get(f"{self.url(service)}/health", timeout=0.5)
            except httpx.TransportError:
                return True
            return False

        return bool(settle(down, bool, within))


def judge_once_in_order(found: list[dict[str, Any]], expected: list[str], what: str,
                        extra: str = "") -> None:  # fmt: skip
    """Each expected line in the collector exactly once (by its text), none cut, in order."""
    texts = [line["text"] for line in found]
    missing = [t for t in expected if t not in texts]
    assert not missing, (
        f"{what}: {len(missing)} of {len(expected)} lines never reached the collector within "
        f"{SHIP_WAIT_S:g} s, first {short(missing[0])!r}{extra}"
    )
    doubled = [t for t in expected if texts.count(t) > 1]
    assert not doubled, (
        f"{what}: the collector holds {len(doubled)} lines twice under different ids, first "
        f"{short(doubled[0])!r}: a line's id must be the same every time it is read, so a "
        "re-sent line is recognised"
    )
    cut = [t for t in texts if t not in expected]
    assert not cut, (
        f"{what}: the collector holds {short(cut[0])!r}, which the app never wrote as a line: "
        "ship whole lines only"
    )
    assert texts == [t for t in expected if t in texts], (
        f"{what}: the lines reached the collector out of order: it holds "
        f"{', '.join(repr(short(t, 30)) for t in texts[:6])}; ship a file in order, and an "
        "older file before a newer one"
    )


class Proxy:
    """legacy-app's users, the ambassador's settings and what the upstreams saw."""

    def __init__(self, http: httpx.Client, url: Callable[[str], str]) -> None:
        self.http = http
        self.url = url
        self.client = client(timeout=httpx.Timeout(10.0, connect=2.0))

    def close(self) -> None:
        self.client.close()

    # -- what a user of legacy-app does ------------------------------------------------------

    def recommend(self, customer: str) -> tuple[httpx.Response, float]:
        started = time.perf_counter()
        response = self.client.get(f"{self.url('legacy-app')}/recommendations/{customer}")
        return response, time.perf_counter() - started

    def pay(self, reference: str, amount_cents: int = 1500,
            key: str | None = None) -> tuple[httpx.Response, float]:  # fmt: skip
        headers = {"Idempotency-Key": key} if key else {}
        started = time.perf_counter()
        response = self.client.post(
            f"{self.url('legacy-app')}/payments",
            headers=headers,
            json={"reference": reference, "amount_cents": amount_cents},
        )
        return response, time.perf_counter() - started

    def many(self, calls: list[Callable[[], tuple[httpx.Response, float]]]
             ) -> list[tuple[httpx.Response, float]]:  # fmt: skip
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(lambda call: call(), calls))

    def ledger(self, reference: str) -> list[dict[str, Any]]:
        answer = self.http.get(f"{self.url('payments')}/ledger", params={"reference": reference})
        return list(_ok(answer, "read the payments ledger").json()["payments"])

    # -- the settings -------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        return dict(_ok(self.http.get(f"{self.url('ambassador')}/info"),
                        "read the ambassador's info").json())  # fmt: skip

    def put_config(self, **settings: Any) -> int:
        answer = self.http.put(f"{self.url('config')}/kv/ambassador", json=settings)
        return int(_ok(answer, "change the ambassador's settings").json()["version"])

    def reset_config(self) -> int:
        answer = self.http.delete(f"{self.url('config')}/kv/ambassador")
        return int(_ok(answer, "reset the ambassador's settings").json()["version"])

    def in_force(self, version: int, within: float = CONFIG_WAIT_S) -> bool:
        """Whether the ambassador holds settings `version` (or newer) within `within` s."""
        info = settle(self.info, lambda i: i["config_version"] >= version, within)
        return bool(info and info["config_version"] >= version)

    def configure(self, **settings: Any) -> None:
        """Defaults plus `settings`, in force at once (the check does not wait for the poll)."""
        self.reset_config()
        version = self.put_config(**settings) if settings else 0
        self.refresh()
        if version and not self.in_force(version):
            raise RuntimeError(f"the ambassador did not take settings version {version}")

    def refresh(self) -> None:
        _ok(self.http.post(f"{self.url('ambassador')}/_admin/config/refresh"),
            "make the ambassador read its settings")  # fmt: skip

    def wait_upstreams_quiet(self) -> None:
        """Until no upstream still serves a call the ambassador gave up on (a try that timed
        out): such a call counts in the upstream's stats when it ends, and would be counted
        in the next check's."""
        for upstream in ("recommendations", "payments"):
            url = f"{self.url(upstream)}/_admin/stats"
            wait_quiet(lambda url=url: _ok(self.http.get(url), "read an upstream's stats").json())

    def close_breakers(self) -> None:
        """After a check: let every upstream's breaker close (a short cool-down, one good call
        each), so the next check starts from closed breakers. A breaker that never closes is
        left as it is: the next checks then say so themselves."""
        self.reset_config()
        self.put_config(breaker_cooldown_s=0.05)
        self.refresh()
        for path in ("/recommendations/breaker-probe", "/payments"):
            # Until a call gets an answer from the upstream: a probe that failed has opened the
            # breaker again, and one the bulkhead refused has not closed it.
            settle(lambda path=path: self.http.get(f"{self.url('ambassador')}{path}"),
                   lambda r: r.status_code < 500, 2.5)  # fmt: skip
        self.reset_config()
        self.refresh()


def described(response: httpx.Response) -> str:
    flags = [f"{h}: {response.headers[h]}" for h in ("x-circuit", "x-bulkhead")
             if h in response.headers]  # fmt: skip
    return f"{response.status_code}" + (f" ({', '.join(flags)})" if flags else "")


def served(snapshot: Any, route: str) -> int:
    """How many requests an upstream served on `route` (its stats' route template)."""
    return int(snapshot.served.get(route, 0))


def full(response: httpx.Response) -> bool:
    return response.status_code == 503 and response.headers.get("x-bulkhead") == "full"


def p95(seconds: list[float]) -> float:
    ordered = sorted(seconds)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


Timed = tuple[httpx.Response, float]


def crowd_and_pay(proxy: Proxy, customers: list[str],
                  payments: int) -> tuple[list[Timed], list[Timed]]:  # fmt: skip
    """`customers` ask for recommendations at once while payments are made one after the other;
    returns both lists of (answer, seconds) once every call has been answered."""
    crowd: list[Timed] = []
    started = threading.Event()

    def run_crowd() -> None:
        calls = [lambda c=c: proxy.recommend(c) for c in customers]
        started.set()
        if calls:
            crowd.extend(proxy.many(calls))

    thread = threading.Thread(target=run_crowd)
    thread.start()
    started.wait()
    if customers:
        time.sleep(0.3)  # the crowd's calls are in the ambassador by now
    paid = []
    for n in range(payments):
        reference = f"bulkhead-{uuid.uuid4().hex[:8]}-{n}"
        paid.append(proxy.pay(reference, key=f"pay-{reference}"))
    thread.join()
    return crowd, paid


@pytest.fixture
def logs(http: httpx.Client, service_url: Callable[[str], str]) -> Logs:
    return Logs(http, service_url)


@pytest.fixture
def proxy(http: httpx.Client, service_url: Callable[[str], str],
          faults: Faults) -> Iterator[Proxy]:  # fmt: skip
    helper = Proxy(http, service_url)
    helper.configure()
    try:
        yield helper
    finally:
        faults.undo()  # the faults fixture would undo them after this; the breakers need it now
        helper.wait_upstreams_quiet()
        helper.close_breakers()
        helper.close()
