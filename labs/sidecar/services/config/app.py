"""config: a small key-value store (Consul's KV, in miniature) holding the ambassador's settings.

- `GET /kv/ambassador` -> `{"version", "value"}`.
- `PUT /kv/ambassador` `{...some settings...}` -> merged into the current value, checked, stored
  under a new version; 422 naming the field for an unknown key or a value out of range (the
  stored value is left as it was).
- `DELETE /kv/ambassador` -> back to the defaults, under a new version.
Settings: per_try_timeout_s (0 < s <= 30), attempts (1..10), backoff_s (0..5),
breaker_threshold (1..10000), breaker_cooldown_s (0 < s <= 300), bulkhead {upstream: 1..1000}
for the upstreams recommendations and payments.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, HTTPException

from workbench.servicekit import ServiceKit

kit = ServiceKit()
app = kit.app

UPSTREAMS = ("recommendations", "payments")
DEFAULTS: dict[str, Any] = {
    "per_try_timeout_s": 0.3,
    "attempts": 3,
    "backoff_s": 0.05,
    "breaker_threshold": 5,
    "breaker_cooldown_s": 1.0,
    "bulkhead": {"recommendations": 4, "payments": 4},
}
RANGES: dict[str, tuple[type, float, float, bool]] = {
    # key: (type, lowest, highest, lowest allowed)
    "per_try_timeout_s": (float, 0, 30, False),
    "attempts": (int, 1, 10, True),
    "backoff_s": (float, 0, 5, True),
    "breaker_threshold": (int, 1, 10_000, True),
    "breaker_cooldown_s": (float, 0, 300, False),
}
BULKHEAD_MAX = 1000


class Store:
    def __init__(self) -> None:
        self.version = 1
        self.value = _copy(DEFAULTS)


def _copy(value: dict[str, Any]) -> dict[str, Any]:
    return {**value, "bulkhead": dict(value["bulkhead"])}


def _number(field: str, raw: Any, kind: type, low: float, high: float, low_ok: bool) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise HTTPException(422, f"{field}: must be a number, not {raw!r}")
    if kind is int and raw != int(raw):
        raise HTTPException(422, f"{field}: must be a whole number, not {raw!r}")
    if raw < low or (raw == low and not low_ok) or raw > high:
        lower = f">= {low:g}" if low_ok else f"> {low:g}"
        raise HTTPException(422, f"{field}: must be {lower} and <= {high:g}, not {raw!r}")
    return kind(raw)


def merged(current: dict[str, Any], change: Any) -> dict[str, Any]:
    """`current` with `change` applied, or a 422 naming the first bad field."""
    if not isinstance(change, dict):
        raise HTTPException(422, "the body must be a JSON object of settings")
    value = _copy(current)
    for field, raw in change.items():
        if field == "bulkhead":
            if not isinstance(raw, dict):
                raise HTTPException(422, "bulkhead: must be an object {upstream: size}")
            for upstream, size in raw.items():
                if upstream not in UPSTREAMS:
                    raise HTTPException(
                        422,
                        f"bulkhead.{upstream}: unknown upstream (known: {', '.join(UPSTREAMS)})",
                    )
                value["bulkhead"][upstream] = _number(
                    f"bulkhead.{upstream}", size, int, 1, BULKHEAD_MAX, True
                )
        elif field in RANGES:
            value[field] = _number(field, raw, *RANGES[field])
        else:
            raise HTTPException(
                422, f"{field}: unknown setting (known: {', '.join([*RANGES, 'bulkhead'])})"
            )
    return value


store = Store()


def _current() -> dict[str, Any]:
    return {"version": store.version, "value": _copy(store.value)}


@app.get("/kv/ambassador")
async def get_settings() -> dict[str, Any]:
    return _current()


@app.put("/kv/ambassador")
async def put_settings(change: Any = Body(...)) -> dict[str, Any]:  # noqa: B008 - FastAPI's way
    store.value = merged(store.value, change)
    store.version += 1
    kit.log.info("settings changed", version=store.version, change=change)
    return _current()


@app.delete("/kv/ambassador")
async def reset_settings() -> dict[str, Any]:
    store.value = _copy(DEFAULTS)
    store.version += 1
    return _current()
