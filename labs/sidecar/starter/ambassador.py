"""The ambassador: legacy-app's calls to its upstreams, made safe from outside the app.

The ambassador service calls `await forward(request, send, config)` for every call legacy-app
makes and answers with the Reply you return. `send(upstream, request, timeout)` is one try;
`send.answer(status, message, headers)` is an answer of your own; `config` holds the current
settings (see the exercise pages).
"""

from __future__ import annotations

from typing import Any


async def forward(request: Any, send: Any, config: Any) -> Any:
    # TODO(timeouts-retries): a timeout on every try (config.per_try_timeout_s), retries with a
    # back-off for what is safe to repeat (config.attempts, config.backoff_s), 504 when no
    # answer came in time.
    # TODO(circuit-breaker): a circuit breaker per upstream (config.breaker_threshold,
    # config.breaker_cooldown_s).
    # TODO(bulkhead): a bulkhead per upstream (config.bulkhead[upstream]).
    # TODO(live-config): read every setting from this call's config, never from a copy kept
    # from an earlier call (a semaphore keeps the size it was made with).
    # Today: one try, waiting as long as the upstream takes, like the app itself.
    return await send(request.upstream, request, timeout=None)
