"""Start order: dependency waves, and readiness waits that gate each service on its dependencies."""

from __future__ import annotations

import threading
import time

from support import FIXTURE_LABS

from workbench.lab import load_lab
from workbench.runtime.readiness import Probe, wait_all


def test_shop_starts_broker_then_services_then_gateway_and_sidecar() -> None:
    waves = [[s.name for s in wave] for wave in load_lab(FIXTURE_LABS / "shop").start_order()]
    assert waves == [["broker"], ["audit", "orders"], ["gateway", "logship"]]


class Fake:
    """A service that becomes ready `delay` seconds after its gate opens (or crashes)."""

    def __init__(self, delay: float, crash: str | None = None) -> None:
        self.delay = delay
        self.crash = crash
        self.opened_at: float | None = None

    def open(self) -> None:
        self.opened_at = time.monotonic()

    def ready(self) -> bool:
        if self.crash or self.opened_at is None:
            return False
        return time.monotonic() - self.opened_at >= self.delay

    def crashed(self) -> str | None:
        if self.crash and self.opened_at is not None:
            return self.crash
        return None


def run(fakes: dict[str, Fake], after: dict[str, set[str]], timeout: float = 5.0
        ) -> tuple[dict[str, str], list[str]]:  # fmt: skip
    events: list[str] = []
    lock = threading.Lock()

    def record(event: str) -> None:
        with lock:
            events.append(event)

    def unblocked(name: str) -> None:
        record(f"go {name}")
        fakes[name].open()

    probes = [
        Probe(name, fake.ready, fake.crashed, frozenset(after.get(name, set())))
        for name, fake in fakes.items()
    ]
    failed = wait_all(
        probes, timeout, interval=0.005,
        on_ready=lambda n: record(f"ready {n}"),
        on_failed=lambda n, r: record(f"failed {n}"),
        on_unblocked=unblocked,
    )  # fmt: skip
    return failed, events


def test_each_service_goes_only_after_its_dependencies_are_ready() -> None:
    fakes = {"broker": Fake(0.05), "orders": Fake(0.1), "audit": Fake(0.02),
             "gateway": Fake(0.01)}  # fmt: skip
    after = {"orders": {"broker"}, "audit": {"broker"}, "gateway": {"orders", "audit"}}
    failed, events = run(fakes, after)
    assert failed == {}
    assert events.index("go orders") > events.index("ready broker")
    assert events.index("go audit") > events.index("ready broker")
    assert events.index("go gateway") > events.index("ready orders")
    assert events.index("go gateway") > events.index("ready audit")
    # audit (fast) was ready before orders (slow): the two were waited for in parallel.
    assert events.index("ready audit") < events.index("ready orders")


def test_a_failed_dependency_still_lets_the_others_go_and_is_reported() -> None:
    fakes = {"orders": Fake(0.01, crash="crashed while starting"), "gateway": Fake(0.01),
             "audit": Fake(0.01)}  # fmt: skip
    failed, events = run(fakes, {"gateway": {"orders", "audit"}})
    assert failed == {"orders": "crashed while starting"}
    assert "ready gateway" in events
    assert "ready audit" in events


def test_the_deadline_fails_what_is_not_ready_and_says_what_it_waited_for() -> None:
    fakes = {"broker": Fake(10.0), "orders": Fake(0.01)}
    started = time.monotonic()
    failed, _ = run(fakes, {"orders": {"broker"}}, timeout=0.3)
    assert time.monotonic() - started < 1.0
    assert failed["broker"] == "was not ready within 0.3 s"
    assert failed["orders"] == "was not ready within 0.3 s (still waiting for broker)"
