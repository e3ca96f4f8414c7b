"""`ServiceKit`: the object a lab service builds first; it owns the FastAPI app and the plumbing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import Scope

from workbench.servicekit.admin import admin_router, run_checks
from workbench.servicekit.config import Settings
from workbench.servicekit.crash import CrashPoints, Key
from workbench.servicekit.errors import KitConfigError
from workbench.servicekit.faults import FaultTable
from workbench.servicekit.learner import LearnerModule
from workbench.servicekit.logs import setup_logging
from workbench.servicekit.messaging import Handler, Messaging, Published
from workbench.servicekit.middleware import KitMiddleware
from workbench.servicekit.replay import replay
from workbench.servicekit.reset import KitApp
from workbench.servicekit.stats import Stats
from workbench.servicekit.watchdog import LoopWatchdog

if TYPE_CHECKING:
    import httpx

    from workbench.servicekit.peers import PeerClients

Check = Callable[[], Awaitable[bool | str | None]]
Hook = Callable[[], Awaitable[None]]
ProblemList = Callable[[], Iterable[dict[str, Any]]]

READY_CHECK_TIMEOUT_S = 2.0


class ServiceKit:
    def __init__(
        self,
        name: str | None = None,
        *,
        title: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env(name)
        self.name = self.settings.service
        self.log = setup_logging(self.name)
        self.stats = Stats(self.name)
        self.faults = FaultTable()
        self.crash = CrashPoints(self.name, self.log)
        self.messaging = Messaging(self.settings, self.stats, self.log)
        self.watchdog = LoopWatchdog(self.settings.workspace, self.log)
        self._peers: PeerClients | None = None
        self._checks: list[tuple[str, Check]] = []
        self._learner: list[LearnerModule] = []
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._problem_lists: dict[str, ProblemList] = {}

        self.app: FastAPI = KitApp(title=title or self.name, lifespan=self._lifespan)
        self.app.include_router(
            admin_router(
                self.name,
                self.faults,
                self.stats,
                self.problems,
                self.crash,
                stalls=self.watchdog.report,
                extra=self._extra_problems,
            )
        )
        self.app.add_middleware(
            KitMiddleware,
            faults=self.faults,
            stats=self.stats,
            log=self.log,
            resolve_route=self._resolve_route,
            workspace=self.settings.workspace,
        )

    # -- lifecycle -------------------------------------------------------------------------------

    @asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        self.log.info(
            "starting",
            lab=self.settings.lab,
            run_id=self.settings.run_id,
            peers=sorted(self.settings.peers),
        )
        # Watching from the start: a learner's blocking call in a start-up hook counts too.
        self.watchdog.start()
        for hook in self._startup:
            await hook()
        self.messaging.start_consumers()
        try:
            yield
        finally:
            # Consumers stop first, so no handler runs against what the hooks close (a DB).
            await self.messaging.stop_consumers()
            for hook in reversed(self._shutdown):
                try:
                    await hook()
                except Exception:
                    self.log.exception("shutdown hook failed", hook=hook.__name__)
            await self.messaging.close()
            if self._peers is not None:
                await self._peers.aclose()
            await self.watchdog.stop()
            self.log.info("stopped")

    def on_startup(self, fn: Hook) -> Hook:
        """Decorator: `async def fn()` run at start-up, before the service takes requests."""
        self._startup.append(fn)
        return fn

    def on_shutdown(self, fn: Hook) -> Hook:
        """Decorator: `async def fn()` run when the service stops (reverse order)."""
        self._shutdown.append(fn)
        return fn

    # -- readiness -------------------------------------------------------------------------------

    def readiness_check(self, fn: Check) -> Check:
        """Decorator: `async def fn() -> bool | str | None`; `/ready` is 503 until all pass.

        Return True/None when fine, False for a generic failure, or a sentence naming the problem.
        """
        self._checks.append((fn.__name__, fn))
        return fn

    def require_peers(self, *peers: str) -> None:
        """Ready only when each peer answers its `/health` (e.g. a gateway and its backends)."""
        for peer in peers:
            self.settings.peer_url(peer)  # fail at start-up, not at the first probe

            async def check(peer: str = peer) -> str | None:
                try:
                    response = await self.peer(peer).get("/health", timeout=1.0)
                except Exception as exc:
                    return f"peer {peer} does not answer /health ({type(exc).__name__})"
                if response.status_code != 200:
                    return f"peer {peer} /health answers {response.status_code}"
                return None

            self._checks.append((f"peer {peer}", check))

    def require_nats(self) -> None:
        """Ready only when connected to NATS (for services that publish)."""

        async def check() -> str | None:
            await self.messaging.connect(timeout=1.0)
            return None if self.messaging.connected else "not connected to NATS"

        self.settings.require_nats()
        self._checks.append(("nats", check))

    async def problems(self) -> list[str]:
        """Every reason the service is not ready now (empty when ready)."""
        found: list[str] = []
        for module in self._learner:
            try:
                module.module()
            except Exception as exc:
                found.append(str(exc))
        found += self.watchdog.problems()
        found += [
            c.problem or "not subscribed" for c in self.messaging.consumers if not c.subscribed
        ]
        found += await run_checks(self._checks, READY_CHECK_TIMEOUT_S)
        return found

    # -- outgoing HTTP ---------------------------------------------------------------------------

    def _peer_clients(self) -> PeerClients:
        if self._peers is None:
            # httpx is imported on first use: services that call nobody start faster.
            from workbench.servicekit.peers import PeerClients

            self._peers = PeerClients(self.settings, self.stats)
        return self._peers

    def peer(self, name: str) -> httpx.AsyncClient:
        """A pooled client for peer `name` (base URL from `<NAME>_URL`), traced and counted."""
        return self._peer_clients().peer(name)

    def http(self) -> httpx.AsyncClient:
        """A client for raw URLs; calls to a peer's host:port still count as calls to that peer."""
        return self._peer_clients().http()

    # -- messaging -------------------------------------------------------------------------------

    async def nats(self) -> Any:
        """The connected (and reconnecting) nats-py client."""
        return await self.messaging.connect()

    async def jetstream(self) -> Any:
        return await self.messaging.jetstream()

    async def publish(
        self, subject: str, payload: dict[str, Any], *, msg_id: str | None = None
    ) -> Published:
        """Publish a JSON event on JetStream (stream made if needed); `msg_id` dedupes re-sends."""
        return await self.messaging.publish(subject, payload, msg_id=msg_id)

    def subscribe(
        self,
        subject: str,
        handler: Handler,
        *,
        durable: str | None = None,
        ack_wait_s: float = 10.0,
    ) -> None:
        """Consume `subject` with a durable pull consumer (see `consumer`).

        Called before the app starts (module level), it runs from start-up on; called while the
        service runs (an on_startup hook, an endpoint), it starts at once.
        """
        self.messaging.add_consumer(subject, handler, durable=durable, ack_wait_s=ack_wait_s)

    def consumer(
        self, subject: str, *, durable: str | None = None, ack_wait_s: float = 10.0
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `subscribe`: `@kit.consumer("order.created")`.

        The service is not ready until the consumer is subscribed. The handler gets an `Event`;
        returning acks it, raising makes JetStream deliver it again (so make handlers idempotent).
        """

        def register(handler: Handler) -> Handler:
            self.subscribe(subject, handler, durable=durable, ack_wait_s=ack_wait_s)
            return handler

        return register

    async def replay(
        self, subjects: str | Iterable[str], handler: Handler, *, from_seq: int = 1
    ) -> int:
        """Hand every event stored on `subjects` (one stream) from `from_seq` on to `handler`.

        Reads with an ephemeral consumer of its own, in stream order and in batches, up to what
        the stream held when it began; the durable consumers are not touched. Returns the stream
        sequence of the last event read (`from_seq - 1` if none), for a later
        `replay(..., from_seq=last + 1)`. A handler that raises stops the replay (`KitError`).
        Rebuilding a projection: `await kit.pause_consumers()`, replay, `await
        kit.resume_consumers()`.
        """
        return await replay(self.messaging, subjects, handler, from_seq=from_seq)

    async def pause_consumers(self) -> None:
        """The consumers stop handling events (returns once no handler runs): nothing is acked
        and nothing lost; the events wait in the stream until `resume_consumers`."""
        await self.messaging.pause()

    async def resume_consumers(self) -> None:
        """The consumers handle events again, from where they paused."""
        self.messaging.resume()

    # -- learner code ----------------------------------------------------------------------------

    def learner_module(self, name: str, *, requires: Sequence[str] = ()) -> LearnerModule:
        """The learner's `$WORKSPACE/<name>.py`, imported now and again whenever it changes.

        If it is broken the service still starts: `/ready` reports file and line, and using it
        answers 500 with the same message.
        """
        module = LearnerModule(name, self.settings.workspace, self.log, requires)
        self._learner.append(module)
        return module

    # -- crash points ----------------------------------------------------------------------------

    def declare_crash_points(self, *names: str) -> None:
        """Name the places where a check may crash this service (call at import time, so
        `GET /_admin/crash` lists them all before any is reached)."""
        self.crash.declare(names)

    async def crash_point(self, name: str, key: Key = None) -> None:
        """The service reached crash point `name` (for `key`, e.g. an order id): if a check
        armed it, the process exits here at once (`exit`) or this work is parked (`hold`)."""
        await self.crash.reached(name, key)

    def crash_point_now(self, name: str, key: Key = None) -> None:
        """`crash_point` for synchronous code (a database wrapper the learner's function calls):
        if a check armed `name` (for `key`), the process exits here at once — a `hold` too,
        since parking the thread would stop the whole service, not just this work."""
        self.crash.reached_now(name, key)

    # -- problems that do not make the service unready --------------------------------------------

    def problem_list(self, name: str) -> Callable[[ProblemList], ProblemList]:
        """Decorator: `fn() -> [dict, ...]` is shown under `name` in `GET /_admin/problems`
        (an event a consumer skipped, one that keeps failing), without touching `/ready`:
        a bad event is the learner's to see, not a reason to take the service out of service."""
        if name in ("service", "problems", "stalls"):
            raise KitConfigError(f"problem list {name!r} would hide the kit's own field")

        def register(fn: ProblemList) -> ProblemList:
            self._problem_lists[name] = fn
            return fn

        return register

    def _extra_problems(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, fn in self._problem_lists.items():
            try:
                found[name] = list(fn())
            except Exception as exc:
                found[name] = [{"problem": f"{type(exc).__name__}: {exc}"}]
        return found

    # -- internals -------------------------------------------------------------------------------

    def _resolve_route(self, scope: Scope) -> str | None:
        for route in self.app.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "path", None)
        return None
