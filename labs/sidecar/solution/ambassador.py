"""The ambassador: legacy-app's calls to its upstreams, made safe from outside the app.

Each call passes a circuit breaker and a bulkhead of its upstream, then is tried with a timeout
per try and retried with a doubling back-off while that is safe: only after a 5xx, a timeout or
an unreachable upstream, and for a POST only when it carries an Idempotency-Key. Every setting
is read from the `config` of the call, so a change in config applies to the next call.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

SAFE_TO_REPEAT = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}


class Breaker:
    """Closed, open (refusing) after `threshold` consecutive failures, then half-open: one
    probe after the cool-down, whose outcome closes or reopens it."""

    def __init__(self) -> None:
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    def allows(self, config: Any) -> bool:
        if self.opened_at is None:
            return True
        if self.probing or time.monotonic() - self.opened_at < config.breaker_cooldown_s:
            return False
        self.probing = True  # half-open: this call is the one probe
        return True

    def succeeded(self) -> None:
        self.failures, self.opened_at, self.probing = 0, None, False

    def failed(self, config: Any) -> None:
        self.failures += 1
        if self.probing or self.failures >= config.breaker_threshold:
            self.opened_at, self.probing = time.monotonic(), False

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and not self.probing


BREAKERS: dict[str, Breaker] = {}
IN_FLIGHT: dict[str, int] = {}


def may_retry(request: Any) -> bool:
    return request.method in SAFE_TO_REPEAT or request.idempotency_key is not None


async def forward(request: Any, send: Any, config: Any) -> Any:
    upstream = request.upstream
    # The bulkhead first: a call it refuses never becomes the breaker's half-open probe. Its
    # size is read now, from this call's config, so a resize applies to the next call.
    if IN_FLIGHT.get(upstream, 0) >= config.bulkhead.get(upstream, 4):
        return send.answer(503, f"bulkhead full for {upstream}", {"X-Bulkhead": "full"})
    breaker = BREAKERS.setdefault(upstream, Breaker())
    if not breaker.allows(config):
        return send.answer(503, f"circuit open for {upstream}", {"X-Circuit": "open"})
    IN_FLIGHT[upstream] = IN_FLIGHT.get(upstream, 0) + 1
    try:
        return await tries(request, send, config, breaker)
    finally:
        IN_FLIGHT[upstream] -= 1


async def tries(request: Any, send: Any, config: Any, breaker: Breaker) -> Any:
    attempts = config.attempts if may_retry(request) else 1
    delay = config.backoff_s
    reply = None
    for attempt in range(1, attempts + 1):
        try:
            reply = await send(request.upstream, request, timeout=config.per_try_timeout_s)
        except send.Timeout:
            reply = send.answer(504, f"{request.upstream} did not answer within "
                                     f"{config.per_try_timeout_s:g} s")  # fmt: skip
        except send.Unreachable:
            reply = send.answer(502, f"{request.upstream} is unreachable")
        if reply.status < 500:
            breaker.succeeded()  # a 4xx is an answer: the upstream works
            return reply
        breaker.failed(config)
        if breaker.is_open or attempt == attempts:
            break
        await asyncio.sleep(delay)
        delay *= 2
    return reply
