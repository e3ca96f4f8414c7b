"""The service kit: what every lab service imports (FastAPI, httpx and nats-py only).

It never imports other workbench modules, because the bakery copies this package alone into
Docker images. A service looks like this::

    from workbench.servicekit import Event, ServiceKit

    kit = ServiceKit()                       # name from SERVICE_NAME
    app = kit.app                            # uvicorn serves `app:app`
    pricing = kit.learner_module("pricing", requires=["total_cents"])
    kit.require_nats()                       # /ready waits for NATS

    @app.post("/orders", status_code=201)
    async def create(order: dict) -> dict:
        total = pricing.total_cents(order["items"], order.get("code"))
        await kit.publish("order.created", {"total_cents": total}, msg_id=...)
        stock = await kit.peer("inventory").get("/stock")   # INVENTORY_URL, traced, counted
        ...

    @kit.consumer("payment.declined")        # durable pull consumer; ready once subscribed
    async def on_declined(event: Event) -> None:
        ...                                   # return = ack; raise = redelivered later

Public API
----------
`ServiceKit(name=None, *, title=None, settings=None)`
    `.app`                 FastAPI app with `/health`, `/ready`, `/_admin/faults`,
                           `/_admin/stats` and the request middleware (request ids, faults,
                           served stats, one JSON log line per request).
    `.settings`            `Settings` read from the environment: `service`, `peers`
                           {name: url}, `nats_url`, `workspace`, `data_dir`, `volumes`
                           {name: path}, `lab`, `run_id`, `port`; helpers `peer_url(name)`,
                           `volume(name)`, `data_path()` (made if missing).
    `.log`                 `log.info("msg", key=value, ...)` -> one JSON line on stdout.
    `.readiness_check(fn)` decorator; `async fn() -> True | None | False | "problem"`.
    `.require_peers(*names)`, `.require_nats()`   ready only when those answer.
    `.peer(name)`          pooled `httpx.AsyncClient` for `<NAME>_URL`, 5 s timeout.
    `.http()`              client for raw URLs (a peer's host:port still counts as the peer).
    `await .nats()`, `await .jetstream()`   connected nats-py client / JetStream context.
    `await .publish(subject, payload, msg_id=None) -> Published(subject, stream, seq,
                           duplicate)`   JSON event; stream made idempotently.
    `.subscribe(subject, handler, durable=None, ack_wait_s=10)` / `@.consumer(subject, ...)`
                           durable pull consumer started at start-up (or at once if the
                           service already runs); handler gets `Event` (`subject`, `data`,
                           `msg_id`, `delivery`, `redelivered`, `stream_seq`, `headers`).
                           Return = ack, raise = redelivered (at least once: be idempotent).
                           One event at a time per consumer; a slow handler is kept "in
                           progress"; on stop a running handler gets 1 s to finish.
    `await .replay(subjects, handler, from_seq=1) -> last seq`   every stored event on
                           `subjects` (one stream) from `from_seq` on, in order, through an
                           ephemeral consumer of its own; durable consumers untouched.
    `await .pause_consumers()`, `await .resume_consumers()`   paused consumers ack nothing and
                           lose nothing (pause returns once no handler runs).
    `.learner_module(name, requires=())`   `$WORKSPACE/<name>.py`, re-imported when changed;
                           a broken file is logged with file:line and reported by `/ready`.
    `.on_startup(fn)`, `.on_shutdown(fn)`   async lifespan hooks (background work).
    `.declare_crash_points(*names)`   the places a check may crash this service (at import).
    `await .crash_point(name, key=None)`   reached `name` (for `key`): exit at once or park
                           this work when a check armed it (see `crash.py`).
    `.crash_point_now(name, key=None)`   the same from synchronous code: exits when armed.
    `.problem_list(name)`  decorator; `fn() -> [dict]` is listed under `name` in
                           `/_admin/problems` (skipped or failing events), `/ready` untouched.
    `.stats`, `.faults`    the live `Stats` and `FaultTable` (tests and services may read them).
    `.watchdog`            the event-loop watchdog: learner code that holds the loop over 0.5 s
                           is recorded with its file:line and reported by `/ready` for 20 s.

Helpers: `current_request_id()`; `bound(trace)` / `new_trace()` to give background work (a
resumed saga, a timer) its own request id; `where_in(workspace, traceback)` -> "file.py:12" for
the learner's innermost frame.

HTTP contract
-------------
- `GET /health` -> 200 `{"status": "ok", "service", "boot"}` (`boot` names the process: a
  new one after a reload); `GET /ready` -> 200/503
  `{"ready", "service", "problems": [...]}`; `GET /_admin/problems` -> 200 `{"service",
  "problems", "stalls": [{"where", "held_s", "ago_s", "message"}]}` (event-loop stalls).
- `POST /_admin/faults` `{"kind": "latency"|"error_rate"|"fail_next"|"reset", "route":
  "/prefix"|null, "method": "POST"|null, "latency_ms", "rate", "count", "status"}` -> 201 with
  the fault and its `id`; `GET /_admin/faults`; `DELETE /_admin/faults` (all) or
  `/_admin/faults/{id}`. Failing requests answer `status` with header `X-Workbench-Fault: <kind>`;
  a `reset` request gets no answer (its connection is reset). `/health`, `/ready` and
  `/_admin/*` are never faulted.
- `GET /_admin/crash` -> `{"service", "points": [declared], "armed": [{"point", "key", "mode"}],
  "held"}`; `POST /_admin/crash` `{"point", "key": null|id, "mode": "exit"|"hold"}` arms one
  (422 naming the known points otherwise); `DELETE /_admin/crash` disarms all.
- `GET /_admin/stats` -> `{"service", "in_flight", "served": {route: {status: n}}, "calls":
  {peer: {"count", "errors", "statuses": {status: n}}}, "published": {subject: n},
  "consumed": {subject: n}, "latency": {"routes": {route: L}, "peers": {peer: L}}}` with
  `L` = `{"count", "p50_ms", "p95_ms", "buckets": [[lower_ms, upper_ms|null, n]]}`;
  `DELETE /_admin/stats` resets it (not `in_flight`: the requests begun and not yet answered).
  Probes and admin calls are not counted.
- `GET /_admin/trace?request_id=ID[&limit=N]` -> `{"service", "records": [...]}`: what the
  service did under that request id, oldest first (`kind` `request`, `call`, `published`,
  `consumed` or `failed`, with `ts`, `request_id` and the kind's fields; the newest 20,000
  records are kept). A check's id gives what the check set off (`workbench.checks.trace`).
- Every response carries `X-Request-ID`; incoming `X-Request-ID`/`traceparent` are continued and
  sent on with every peer call and published event.
"""

from workbench.servicekit.config import Settings
from workbench.servicekit.context import bound, current_request_id, new_trace
from workbench.servicekit.errors import KitConfigError, KitError, LearnerCodeError
from workbench.servicekit.faults import FaultSpec
from workbench.servicekit.kit import ServiceKit
from workbench.servicekit.learner import where_in
from workbench.servicekit.messaging import Event, Published

__all__ = [
    "Event",
    "FaultSpec",
    "KitConfigError",
    "KitError",
    "LearnerCodeError",
    "Published",
    "ServiceKit",
    "Settings",
    "bound",
    "current_request_id",
    "new_trace",
    "where_in",
]
