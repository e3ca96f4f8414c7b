"""'What happened' from trace records: calls joined with the callee's record (so an injected
fault shows where it hit), requests from the check, events in order, repeats folded, the lanes
of the sequence, and a huge trace capped at its first and last records."""

from __future__ import annotations

from typing import Any

from workbench.checkrun.happened import CHECK, describe, lanes, steps
from workbench.checks import trace


def _rec(ts: float, service: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"ts": ts, "service": service, "kind": kind, "request_id": "r", **fields}


RECORDS = [
    # Written when each ended: the order's answer to the check comes last, yet it began first.
    _rec(10.50, "order", "request", method="POST", path="/orders", status=202, ms=480.0),
    _rec(10.00, CHECK, "fault", fault="fail_next", detail="count=2 route=/charges status=503"),
    _rec(10.10, "payment", "request", method="POST", path="/charges", status=503, ms=1.0,
         fault="fail_next"),
    _rec(10.11, "order", "call", peer="payment", method="POST", path="/charges", status=503,
         ms=3.0),
    _rec(10.20, "payment", "request", method="POST", path="/charges", status=503, ms=1.0,
         fault="fail_next"),
    _rec(10.21, "order", "call", peer="payment", method="POST", path="/charges", status=503,
         ms=3.0),
    _rec(10.30, "order", "call", peer="inventory", method="DELETE", path="/reservations/7",
         error="ConnectError", ms=2.0),
    _rec(10.45, "notification", "consumed", subject="order.rejected", seq=4, delivery=2),
    _rec(10.44, "order", "published", subject="order.rejected", seq=4),
    _rec(10.60, CHECK, "published", subject="payment.settled", seq=5),
]  # fmt: skip


def test_steps_in_order_with_the_fault_where_it_hit() -> None:
    found = steps(RECORDS)
    lines = [describe(s) for s in found]
    assert [s.source for s in found][:2] == ["check", "check"]  # the fault, then POST /orders
    assert "check: fault injected: fail_next (count=2 route=/charges status=503)" in lines[0]
    assert "check → order  POST /orders → 202" in lines[1]
    charges = [s for s in found if s.label.startswith("POST /charges")]
    assert len(charges) == 1  # two identical calls in a row, folded
    assert charges[0].label == "POST /charges ×2"
    assert charges[0].fault == "fail_next" and charges[0].failed
    assert (charges[0].source, charges[0].target) == ("order", "payment")
    release = next(s for s in found if s.target == "inventory")
    assert release.outcome == "ConnectError" and release.failed
    # The callee's records of the calls are not shown again as requests from the check.
    assert not any(s.source == CHECK and s.target == "payment" for s in found)
    labels = [s.label for s in found]
    # Delivered after it was published, even though the consumer's record is older.
    assert labels.index("publish order.rejected #4") < labels.index(
        "deliver order.rejected (redelivery 1)"
    )
    assert lanes(found) == ["check", "order", "payment", "inventory", "notification", "events"]


def test_a_huge_trace_keeps_its_ends_and_says_how_many_it_left_out() -> None:
    trace.begin()
    for i in range(1000):
        trace.fault_injected("svc", "latency", {"ms": i})
    happened = trace.collect(None, None)
    assert len(happened["records"]) == 2 * trace.KEEP
    assert happened["skipped"] == 1000 - 2 * trace.KEEP
    details = [r["detail"] for r in happened["records"]]
    assert details[0] == "ms=0" and details[-1] == "ms=999"
    trace.begin()  # a new check forgets the last one's
    assert trace.collect(None, None) == {"records": [], "skipped": 0}


def test_the_checks_request_id_rides_on_its_requests() -> None:
    rid = trace.begin()
    first, second = trace.headers(), trace.headers()
    assert len(rid) == 32
    # Each request its own id under the check's, so services can tell them apart.
    assert first["X-Request-ID"].startswith(f"{rid}.") and second["X-Request-ID"].startswith(
        f"{rid}."
    )
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert first["traceparent"].startswith(f"00-{rid}-")


def test_the_trace_of_a_check_holds_every_request_under_its_id() -> None:
    from workbench.servicekit import context
    from workbench.servicekit.trace import TraceLog

    log = TraceLog("orders")
    for rid in ("abc.1", "abc.2", "abcd.1", "other"):
        token = context._current.set(context.Trace(rid, "0" * 32))
        try:
            log.note("request", path="/x")
        finally:
            context._current.reset(token)
    assert [r["request_id"] for r in log.of("abc")] == ["abc.1", "abc.2"]


def test_a_crash_point_that_fired_is_marked_on_its_service() -> None:
    found = steps(
        [
            _rec(1.0, CHECK, "fault", fault="crash", detail="point=charge key=7"),
            _rec(1.2, "order", "crash", point="charge", key="7", detail="the process exited"),
            _rec(
                1.3,
                "gateway",
                "call",
                peer="order",
                method="GET",
                path="/orders/7",
                error="ConnectError",
                ms=1.0,
            ),
        ]
    )
    crash = found[1]
    assert crash.note and crash.failed and crash.fault == "crash"
    assert describe(crash).endswith("order: crash point charge reached for 7: the process exited")
    assert found[2].outcome == "ConnectError"
