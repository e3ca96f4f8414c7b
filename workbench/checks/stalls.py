"""Who stopped answering, and why: the service a check could not reach, and the learner's line
that held its event loop (runs in the checks' pytest process, for the plugin's messages).

A learner's `time.sleep` inside `async def` stops a whole service; from outside, a check only
sees a timeout. The service kit's watchdog records such stalls with the learner's file and line
(`GET /_admin/problems`, `stalls`: `where`, `held_s`, `ago_s`, `message`). For a check that did
not pass, the plugin asks the lab's services for stalls that ended while the check ran and puts
the line into the check's message: "order stopped answering: checkout.py:3 held its event loop
for 3.0 s — ...".
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment

ASK_TIMEOUT_S = 3.0
SLACK_S = 0.01
"""`ago_s` is rounded to 0.01 s (both read the one monotonic clock of the machine)."""


def service_at(deployment: Deployment, url: str) -> str | None:
    """The service of the lab whose endpoint `url` is on (matched by host and port)."""
    target = urlsplit(url)
    for name, endpoint in deployment.endpoints.items():
        ep = urlsplit(endpoint.url)
        if (ep.hostname, ep.port) == (target.hostname, target.port):
            return name
    return None


def service_of(exc: BaseException, deployment: Deployment | None) -> str | None:
    """The service an httpx error was about (its request's URL), if it is one of the lab's."""
    if deployment is None:
        return None
    try:
        request = getattr(exc, "request", None)  # httpx raises when an error has no request
    except RuntimeError:
        return None
    url = getattr(request, "url", None)
    return service_at(deployment, str(url)) if url is not None else None


def _ask(deployment: Deployment, service: str, began: float) -> list[dict[str, Any]]:
    """The stalls of `service` that overlap the check begun at `began` (monotonic)."""
    from workbench.errors import WorkbenchError
    from workbench.runtime import kitadmin

    try:
        answer = kitadmin.call(
            deployment.url(service), "GET", "/_admin/problems", service=service,
            lab_id=deployment.lab_id, timeout=ASK_TIMEOUT_S,
        )  # fmt: skip
    except (WorkbenchError, KeyError):
        return []  # not a kit service, or still held: nothing more can be said
    # Measured when the answer came: a held loop answers only once it is free again.
    ran = time.monotonic() - began
    stalls = answer.get("stalls")
    if not isinstance(stalls, list):
        return []
    # A stall that ended before the check began is an earlier check's (or the learner's own
    # try); one that ended since overlaps this check.
    return [
        s for s in stalls if isinstance(s, dict) and float(s.get("ago_s", 1e9)) <= ran + SLACK_S
    ]


def during(deployment: Deployment, began: float) -> dict[str, list[dict[str, Any]]]:
    """Per service, the stalls that overlap the check begun at `began` (`time.monotonic()`)."""
    from workbench.checks.faults import taken_down

    # A service the check paused or killed itself would only cost the timeout.
    down = taken_down()
    names = [n for n, ep in deployment.endpoints.items() if ep.kind != "nats" and n not in down]
    if not names:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        answers = pool.map(lambda n: _ask(deployment, n, began), names)
        return {name: found for name, found in zip(names, answers, strict=True) if found}


def _longest(stalls: list[dict[str, Any]]) -> str:
    return str(max(stalls, key=lambda s: float(s.get("held_s", 0))).get("message"))


def explain(message: str, service: str | None, stalls: dict[str, list[dict[str, Any]]]) -> str:
    """The check's message with the stalls in it: the service that did not answer, named with
    its learner's line; any other service that stalled meanwhile, added."""
    if not stalls:
        return message
    if service in stalls:
        return f"{service} stopped answering: {_longest(stalls[service])}"
    others = "; ".join(
        f"{name} stopped answering: {_longest(found)}" for name, found in sorted(stalls.items())
    )
    return f"{message} ({others})"
