"""order-views: the read side. Your `projection.py` turns events into views; this serves them.

Two durable consumers, `order.>` and `customer.>`, read two streams (ORDER and CUSTOMER): there
is no order between the two, and within one the kit delivers at least once. Each event is handed
to `projection.apply(db, event)` (`db`: `view_blocks.ViewDb`; `event`: the event as published,
with `event.msg_id`, `.subject`, `.stream_seq`, `.delivery` describing this delivery). Returning
acknowledges the event; raising makes the kit deliver it again with back-off, and lists it in
`/_admin/problems` under `events` (the event and your line); `raise db.Skip(reason)` gives up on
it for good (listed as skipped, acknowledged).

API (JSON):
- `GET /views/orders/{id}` -> `{order_id, customer_id, customer_name, status, version,
  amount_cents, history: [{version, type, at}]}`; 404 "no order 9 in the view (yet)".
- `GET /views/customers/{id}/orders` -> `{customer_id, name, orders: [{order_id, customer_name,
  status, version, amount_cents}]}` (the name copied on every row: no join at query time).
- `GET /views/revenue?day=YYYY-MM-DD` -> `{day, orders, amount_cents}`: approved orders by the
  day of their approval event (today, UTC, without `day`).
- `POST /_admin/rebuild` `{"hold_s": 0}` -> 202: pause the consumers, replay both streams from
  the start (orders first, then customers) into a fresh store, wait `hold_s` (to watch it),
  swap, resume; queries answer from the old store until the swap. 409 while one runs. An event
  the projection raises on fails the rebuild (the old views stay), unless the live consumer
  keeps failing on it too: then the live views lack it as well, and it is left out (counted in
  `left_out`, still listed in `/_admin/problems`). `GET /_admin/rebuild` -> `{state:
  idle|running|done|failed, events, left_out, error, started_at, finished_at}`.
- Crash points: `after-apply` (the event applied and committed, not yet acknowledged) and
  `mid-apply` (after the first write of the event); the key is the event's `event_id`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from problems import EventProblems
from view_blocks import EventBody, Skip, ViewDb
from view_store import Store

from workbench.servicekit import Event, ServiceKit
from workbench.servicekit.learner import where_in

kit = ServiceKit()
app = kit.app
projection = kit.learner_module("projection", requires=["apply"])
kit.require_nats()
kit.declare_crash_points("after-apply", "mid-apply")

ACK_WAIT_S = 2.0
"""Short, so an event whose handler died unacknowledged comes back within seconds."""
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YIELD_EVERY = 64
KNOWN_TYPES = ("order.created", "order.approved", "order.cancelled", "order.shipped",
               "customer.created", "customer.renamed")

store = Store(kit.settings.data_path())
problems = EventProblems()


@kit.problem_list("events")
def event_problems() -> list[dict[str, Any]]:
    return problems.listing()


@kit.on_startup
async def make_streams() -> None:
    # Both streams exist from the start, so a replay or a check finds them even before the
    # first command; the consumers would make them too, but only once NATS answers.
    for subject in ("order.created", "customer.created"):
        try:
            await kit.messaging.ensure_stream(subject)
        except Exception as exc:
            kit.log.warning("stream not made yet", subject=subject, error=repr(exc))


def body_of(event: Event) -> EventBody:
    return EventBody.of(
        event.data, msg_id=event.msg_id, subject=event.subject, stream_seq=event.stream_seq,
        delivery=event.delivery,
    )  # fmt: skip


def not_an_event(body: EventBody) -> str | None:
    """Why the projection is never given this event (None: it is one of the lab's)."""
    if not isinstance(body.get("event_id"), str) or not body.get("event_id"):
        return "no event_id: not an event of this lab"
    if body.get("type") not in KNOWN_TYPES:
        return f"unknown event type {body.get('type')!r} (known: {', '.join(KNOWN_TYPES)})"
    return None


def apply_to(db: ViewDb, body: EventBody, *, live: bool) -> None:
    """Hand one event to the learner's projection (Skip and other exceptions propagate)."""
    event_id = str(body["event_id"])

    def mid_apply() -> None:
        kit.crash_point_now("mid-apply", key=event_id)

    with db.applying(mid_apply if live else None):
        projection.apply(db, body)


async def handle(event: Event) -> None:
    body = body_of(event)
    wrong = not_an_event(body)
    if wrong:
        # Logged, acknowledged and listed: delivering it again would change nothing.
        kit.log.warning("event skipped", subject=event.subject, reason=wrong)
        problems.skipped(body, wrong)
        return
    try:
        apply_to(store.db, body, live=True)
    except Skip as exc:
        kit.log.warning("event skipped by the projection", event_id=body["event_id"],
                        reason=str(exc))
        problems.skipped(body, str(exc) or "skipped")
    except Exception as exc:
        where = where_in(kit.settings.workspace, exc.__traceback__)
        problems.failing(body, f"{type(exc).__name__}: {exc}", where)
        raise
    else:
        problems.applied(body)
    await kit.crash_point("after-apply", key=str(body["event_id"]))


@kit.consumer("order.>", ack_wait_s=ACK_WAIT_S)
async def on_order_event(event: Event) -> None:
    await handle(event)


@kit.consumer("customer.>", ack_wait_s=ACK_WAIT_S)
async def on_customer_event(event: Event) -> None:
    await handle(event)


# -- views ----------------------------------------------------------------------------------------


@app.get("/views/orders/{order_id}")
async def order_view(order_id: int) -> dict[str, Any]:
    found = store.db.order_view(order_id)
    if found is None:
        raise HTTPException(404, f"no order {order_id} in the view (yet)")
    return found


@app.get("/views/customers/{customer_id}/orders")
async def customer_orders(customer_id: str) -> dict[str, Any]:
    found = store.db.customer_orders(customer_id)
    if found is None:
        raise HTTPException(404, f"no customer {customer_id} in the view (yet)")
    return found


@app.get("/views/revenue")
async def revenue(day: str | None = None) -> dict[str, Any]:
    if day is None:
        day = dt.datetime.now(dt.UTC).date().isoformat()
    valid = bool(DAY.match(day))
    if valid:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            valid = False
    if not valid:
        raise HTTPException(422, f"day must be a date written YYYY-MM-DD (e.g. 2026-03-01), "
                                 f"not {day!r}")
    return store.db.revenue(day)


# -- rebuild --------------------------------------------------------------------------------------


class Rebuild:
    def __init__(self) -> None:
        self.state = "idle"
        self.events = 0
        self.left_out = 0
        self.error: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.task: asyncio.Task[None] | None = None

    def status(self) -> dict[str, Any]:
        return {"state": self.state, "events": self.events, "left_out": self.left_out,
                "error": self.error,
                "started_at": self.started_at, "finished_at": self.finished_at}

    async def run(self, hold_s: float) -> None:
        await kit.pause_consumers()
        fresh = store.fresh()
        try:

            async def into_fresh(event: Event) -> None:
                body = body_of(event)
                if not_an_event(body):
                    return
                try:
                    apply_to(fresh, body, live=False)
                except Skip as exc:
                    problems.skipped(body, str(exc) or "skipped")
                except Exception:
                    if not problems.is_failing(body):
                        raise  # the live views have it: a rebuild without it would lose it
                    # The live views could not apply it either: it is left out of both, and
                    # stays listed (and delivered again) until the projection can apply it.
                    self.left_out += 1
                self.events += 1
                if self.events % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # queries keep being answered from the old store

            # Orders first: a replay hands every order to the projection before its customer.
            await kit.replay("order.>", into_fresh)
            await kit.replay("customer.>", into_fresh)
            if hold_s > 0:
                await asyncio.sleep(hold_s)
            store.swap(fresh)
            self.state = "done"
            kit.log.info("rebuild done", events=self.events)
        except Exception as exc:
            store.discard(fresh)
            cause = exc.__cause__ or exc
            where = where_in(kit.settings.workspace, cause.__traceback__)
            self.state = "failed"
            self.error = str(exc) + (f" (at {where})" if where else "")
            kit.log.exception("rebuild failed", error=self.error)
        finally:
            self.finished_at = time.time()
            await kit.resume_consumers()


rebuild = Rebuild()


@app.post("/_admin/rebuild", status_code=202)
async def start_rebuild(request: Request) -> JSONResponse:
    try:
        body = await request.json() if await request.body() else {}
    except ValueError:
        body = None
    hold = body.get("hold_s", 0) if isinstance(body, dict) else None
    if isinstance(hold, bool) or not isinstance(hold, int | float) or not 0 <= hold <= 30:
        raise HTTPException(422, 'send {"hold_s": <seconds, 0 to 30>} or nothing')
    if rebuild.state == "running":
        ago = time.time() - (rebuild.started_at or time.time())
        raise HTTPException(409, f"a rebuild is already running (started {ago:.1f} s ago)")
    rebuild.state, rebuild.events, rebuild.left_out, rebuild.error = "running", 0, 0, None
    rebuild.started_at, rebuild.finished_at = time.time(), None
    rebuild.task = asyncio.get_running_loop().create_task(rebuild.run(float(hold)))
    return JSONResponse(rebuild.status(), status_code=202)


@app.get("/_admin/rebuild")
async def rebuild_status() -> dict[str, Any]:
    return rebuild.status()
