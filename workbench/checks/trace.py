"""What a check set off in the services, for a check that does not pass ("what happened").

Runs in the checks' pytest process. Each check gets its own request id (`begin`); the `http`
fixture and `events.publish` send it, and the service kit carries it on through every call and
event the work causes, noting each (`/_admin/trace`). When the check does not pass, `collect`
asks every service of the lab for that id's records, adds the faults the check injected, and
puts them in time order; a huge trace keeps its first and last `KEEP` records and says how many
it left out. Passing checks cost nothing but the header.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment

KEEP = 200
"""Records kept at each end of a trace longer than 2 × KEEP."""
ASK_TIMEOUT_S = 0.5
"""How long one service gets to answer (a paused one would otherwise hold the report up)."""

CHECK = "check"
"""The lane of the check itself (its requests, the events it published)."""

_current: list[str] = []
"""The running check's request id (one item; a list so it is set without `global`)."""
_sequence = [0]
"""How many requests and events the checks have sent (the `.n` of their request ids)."""
_lock = threading.Lock()
_faults: list[dict[str, Any]] = []
"""What the check did itself (faults injected, events published), noted here."""


def enabled() -> bool:
    """Whether a failing check's trace is collected (`WORKBENCH_TRACE=0` turns it off, e.g. to
    measure what it costs: `bench/bench_checks.py`)."""
    return os.environ.get("WORKBENCH_TRACE", "1") != "0"


def begin() -> str:
    """A new check starts: its own request id (32 hex digits: also a W3C trace id)."""
    _current[:] = [secrets.token_hex(16)]
    _faults.clear()
    return _current[0]


def current_id() -> str | None:
    return _current[0] if _current else None


def headers() -> dict[str, str]:
    """What one request or event of the check carries so the services note it under the check.

    Each gets its own request id, `<check id>.<n>`: services that key their own records by
    request id (an audit log) must still tell a check's requests apart; the trace asks for the
    check's id and gets every id under it (`TraceLog.of`)."""
    rid = current_id()
    if rid is None:
        return {}
    with _lock:
        _sequence[0] += 1
        n = _sequence[0]
    return {"X-Request-ID": f"{rid}.{n}", "traceparent": f"00-{rid}-{secrets.token_hex(8)}-01"}


def stamp(request: Any) -> None:
    """An httpx request hook: the check's headers, fresh for this request."""
    for name, value in headers().items():
        request.headers.setdefault(name, value)


def fault_injected(service: str, kind: str, options: dict[str, Any]) -> None:
    """The check injected a fault (marked where it hit, in the sequence)."""
    detail = " ".join(f"{k}={v}" for k, v in options.items() if v is not None)
    _faults.append(
        {"ts": time.time(), "service": service, "kind": "fault", "fault": kind, "detail": detail}
    )


def check_published(subject: str, seq: int, msg_id: str | None) -> None:
    """The check itself published an event (`events.publish`)."""
    record = {"ts": time.time(), "service": CHECK, "kind": "published", "subject": subject,
              "seq": seq}  # fmt: skip
    if msg_id:
        record["msg_id"] = msg_id
    _faults.append(record)


def collect(deployment: Deployment | None, request_id: str | None) -> dict[str, Any]:
    """{"records": [...] in time order, "skipped": n} for the check's id; empty without one."""
    records: list[dict[str, Any]] = list(_faults)
    if deployment is not None and request_id is not None:
        records += _ask_services(deployment, request_id)
        armed = {str(f["service"]) for f in _faults if f.get("fault") == "crash"}
        if armed and _faults:
            records += _crashes(deployment, armed, since=float(_faults[0]["ts"]))
    records.sort(key=lambda r: float(r.get("ts", 0.0)))
    skipped = 0
    if len(records) > 2 * KEEP:
        skipped = len(records) - 2 * KEEP
        records = records[:KEEP] + records[-KEEP:]
    return {"records": records, "skipped": skipped}


def _ask_services(deployment: Deployment, request_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    lock = threading.Lock()

    def ask(url: str) -> None:
        records = _get_records(url, request_id)
        with lock:
            found.extend(records)

    threads = [
        threading.Thread(target=ask, args=(endpoint.url,), daemon=True)
        for endpoint in deployment.endpoints.values()
        if endpoint.kind == "http"
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(ASK_TIMEOUT_S + 1.0)
    return found


def _get_records(url: str, request_id: str) -> list[dict[str, Any]]:
    """One service's records of the id; none when it does not answer (down, paused, killed by
    the check: its callers still saw their calls). The standard library's client: a failing
    check should not pay for an httpx client (and its TLS set-up) per service."""
    import http.client
    import json
    from urllib.parse import quote, urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port, timeout=ASK_TIMEOUT_S
    )
    try:
        conn.request("GET", f"/_admin/trace?request_id={quote(request_id)}")
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 200:
            return []
        records = json.loads(body).get("records", [])
    except (OSError, http.client.HTTPException, ValueError, AttributeError):
        return []
    finally:
        conn.close()
    return [r for r in records if isinstance(r, dict)]


def _crashes(deployment: Deployment, services: set[str], since: float) -> list[dict[str, Any]]:
    """The crash points that fired in `services` since `since`, from their logs (a service that
    exits at one takes its in-memory records with it; its log line stays)."""
    import json
    from datetime import datetime

    from workbench.runtime.select import runtime_for
    from workbench.service_env import CRASH_EXIT_LOG

    found: list[dict[str, Any]] = []
    try:
        runtime = runtime_for(deployment)
        for service in sorted(services):
            for line in runtime.logs(deployment, service, tail=400):
                if CRASH_EXIT_LOG not in line.text and "crash point reached" not in line.text:
                    continue
                try:
                    entry = json.loads(line.text)
                    ts = datetime.fromisoformat(str(entry["ts"]).replace("Z", "+00:00"))
                except (ValueError, KeyError, TypeError):
                    continue
                if ts.timestamp() + 0.001 < since:
                    continue
                holding = "holding" in str(entry.get("msg"))
                found.append(
                    {"ts": ts.timestamp(), "service": service, "kind": "crash",
                     "point": entry.get("point"), "key": entry.get("key"),
                     "detail": "parked there" if holding else "the process exited"}
                )  # fmt: skip
    except Exception:  # a runtime that cannot say: the trace goes without
        return found
    return found
