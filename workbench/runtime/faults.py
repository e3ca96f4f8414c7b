"""One fault API over every runtime: inject a fault, resume a paused service, clear them all.

- process level (kill, pause, restart, partition): the runtime does it (signals locally, the
  Docker API in Docker); partition is a network cut in Docker and a kit-level cut locally (see
  `runtime/local/runtime.py`);
- request level (latency, error_rate, fail_next, reset): the service kit's `POST /_admin/faults`;
- crash: arms one of the crash points the service declares (`POST /_admin/crash`): the service
  exits (or parks that work) when it gets there.

Every fault that stays active is recorded in the run folder (`runtime/fault_record.py`), so
`workbench lab status` shows it from any shell and `clear` undoes all of them: killed services are
restarted, paused ones resumed, partitions healed, request-level faults deleted, crash points
disarmed (and a service a crash point ended or parked work in is restarted). `restart` is a
one-shot and is not recorded (it also ends the service's request-level faults: a new process has
none). The record itself (what is active, per service) is read from `fault_record`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError
from workbench.runtime import fault_record, kitadmin
from workbench.runtime.fault_record import ActiveFault
from workbench.runtime.select import runtime_for

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment, Runtime

PROCESS_KINDS = ("kill", "pause", "restart", "partition")
REQUEST_KINDS = ("latency", "error_rate", "fail_next", "reset")
CRASH = "crash"
KINDS = (*PROCESS_KINDS, *REQUEST_KINDS, CRASH)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def inject(
    deployment: Deployment,
    service: str,
    kind: str,
    *,
    runtime: Runtime | None = None,
    **options: Any,
) -> ActiveFault | None:
    """Switch a fault on; returns its record (None for the one-shot `restart`).

    Options for request-level kinds: latency_ms (alias ms), rate, count, route, method, status;
    for `crash`: point (required), key, hold (park instead of exiting).
    """
    kind = kind.replace("-", "_")
    _check(deployment, service, kind)
    rt = runtime or _runtime(deployment)
    if kind == "restart":
        rt.restart(deployment, service)
        fault_record.forget(deployment, service)
        return None
    if kind in PROCESS_KINDS:
        getattr(rt, kind)(deployment, service)
        fault = ActiveFault(service, kind, at=time.time())
    elif kind == CRASH:
        spec = _crash_spec(deployment, service, options)
        _kit(deployment, service, "POST", "/_admin/crash", spec)
        fault = ActiveFault(service, kind, spec, None, time.time())
    else:
        spec = _kit_spec(kind, options)
        answer = _kit(deployment, service, "POST", "/_admin/faults", spec)
        raw_id = answer.get("id")
        kit_id = int(raw_id) if isinstance(raw_id, int | str) else None
        fault = ActiveFault(service, kind, spec, kit_id, time.time())
    fault_record.add(deployment, fault)
    return fault


def crash_points(deployment: Deployment, service: str) -> list[str]:
    """The crash points `service` declares (asked of the running service)."""
    _check(deployment, service, CRASH)
    answer = _kit(deployment, service, "GET", "/_admin/crash")
    points = answer.get("points")
    return [str(p) for p in points] if isinstance(points, list) else []


def disarm(deployment: Deployment, service: str) -> None:
    """Disarm the crash points of `service` now (work a hold parked stays parked until the
    process ends); its crash records leave the fault record."""
    _check(deployment, service, CRASH)
    _kit(deployment, service, "DELETE", "/_admin/crash")
    fault_record.update(
        deployment,
        lambda faults: [f for f in faults if not (f.service == service and f.kind == CRASH)],
    )


def resume(deployment: Deployment, service: str, *, runtime: Runtime | None = None) -> None:
    """Resume a paused service; its pause leaves the record (a later `clear` has nothing of it
    to undo)."""
    _check(deployment, service, "pause")
    (runtime or _runtime(deployment)).resume(deployment, service)
    fault_record.update(
        deployment,
        lambda faults: [f for f in faults if not (f.service == service and f.kind == "pause")],
    )


def clear(deployment: Deployment, *, runtime: Runtime | None = None) -> list[ActiveFault]:
    """Undo every recorded fault; returns what was undone.

    Undoing goes newest first, and process-level faults before request-level ones (a killed or
    paused service cannot take the DELETE).
    """
    with fault_record.locked(deployment):
        faults = fault_record.active(deployment)
        if not faults:
            return []
        rt = runtime or _runtime(deployment)
        errors: list[str] = []
        undo = {"kill": rt.restart, "pause": rt.resume, "partition": rt.heal}
        for fault in reversed(faults):
            if fault.kind in undo:
                try:
                    undo[fault.kind](deployment, fault.service)
                except WorkbenchError as exc:
                    errors.append(f"{fault.service}: {exc.message}")
        killed = {f.service for f in faults if f.kind == "kill"}
        for service in sorted({f.service for f in faults if f.kind == CRASH} - killed):
            try:
                if _undo_crash(deployment, service, rt):
                    killed.add(service)  # restarted: its request-level faults ended with it
            except WorkbenchError as exc:
                errors.append(f"{service}: {exc.message}")
        for service in sorted({f.service for f in faults if f.kind in REQUEST_KINDS} - killed):
            try:
                _kit(deployment, service, "DELETE", "/_admin/faults")
            except WorkbenchError as exc:
                errors.append(f"{service}: {exc.message}")
        fault_record.save(deployment, [])
    if errors:
        raise WorkbenchError(
            "some faults could not be undone: " + "; ".join(errors),
            f"`workbench lab restart {deployment.lab_id} SERVICE` resets a service completely",
        )
    return faults


def _undo_crash(deployment: Deployment, service: str, rt: Runtime) -> bool:
    """Disarm the service's crash points; restart it (and say so) if one ended it (it does not
    answer) or parked work in it (parked work ends only with the process)."""
    try:
        answer = _kit(deployment, service, "DELETE", "/_admin/crash")
    except WorkbenchError:
        answer = None  # a crash point ended it
    if answer is not None and not answer.get("held"):
        return False
    rt.restart(deployment, service)
    return True


# -- validation and plumbing ----------------------------------------------------------------


def _check(deployment: Deployment, service: str, kind: str) -> None:
    if kind not in KINDS:
        raise WorkbenchError(f"unknown fault kind {kind!r}", f"kinds: {', '.join(KINDS)}")
    if service not in deployment.endpoints:
        known = ", ".join(sorted(deployment.endpoints))
        raise WorkbenchError(
            f"lab {deployment.lab_id!r} has no service {service!r}", f"its services: {known}"
        )
    through_kit = (*REQUEST_KINDS, CRASH, "partition")
    if kind in through_kit and deployment.endpoints[service].kind != "http":
        raise WorkbenchError(
            f"{kind} acts through the service kit, and {service!r} is a broker",
            "on the broker use kill, pause or restart",
        )


def _crash_spec(deployment: Deployment, service: str, options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - {"point", "key", "hold"}
    if unknown:
        raise WorkbenchError(f"unknown crash option(s): {', '.join(sorted(unknown))}")
    point = options.get("point")
    points = crash_points(deployment, service)
    if not points:
        raise WorkbenchError(
            f"service {service!r} declares no crash points",
            "a service declares them with kit.declare_crash_points(...); kill it instead",
        )
    if point not in points:
        raise WorkbenchError(
            f"service {service!r} has no crash point {point!r}" if point else
            f"a crash needs a point of {service!r}",
            f"its crash points: {', '.join(points)} (e.g. --at {points[0]})",
        )  # fmt: skip
    key = options.get("key")
    return {"point": point, "key": None if key is None else str(key),
            "mode": "hold" if options.get("hold") else "exit"}  # fmt: skip


def _kit_spec(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    unknown = set(options) - {"latency_ms", "ms", "rate", "count", "route", "method", "status"}
    if unknown:
        raise WorkbenchError(f"unknown fault option(s): {', '.join(sorted(unknown))}")
    spec: dict[str, Any] = {"kind": kind, "route": options.get("route")}
    method = options.get("method")
    if method is not None:
        if str(method).upper() not in HTTP_METHODS:
            raise WorkbenchError(
                f"method {method!r} is not an HTTP method", f"one of {', '.join(HTTP_METHODS)}"
            )
        spec["method"] = str(method).upper()
    latency = options.get("latency_ms", options.get("ms"))
    if kind == "latency":
        if not latency or int(latency) <= 0:
            raise WorkbenchError("a latency fault needs a delay", "give it with --ms N (N > 0)")
        spec["latency_ms"] = int(latency)
    if kind in ("error_rate", "reset"):
        rate = float(options.get("rate", 1.0) if options.get("rate") is not None else 1.0)
        if not 0.0 <= rate <= 1.0:
            raise WorkbenchError(f"rate {rate} is not between 0 and 1", "e.g. --rate 0.5")
        spec["rate"] = rate
    if kind == "fail_next":
        count = options.get("count")
        spec["count"] = int(count) if count is not None else 1
        if spec["count"] < 1:
            raise WorkbenchError("fail_next needs a count of at least 1", "e.g. --count 3")
    if options.get("status") is not None and kind not in ("latency", "reset"):
        spec["status"] = int(options["status"])
    if spec["route"] is not None and not str(spec["route"]).startswith("/"):
        raise WorkbenchError(f"route {spec['route']!r} must start with /", "e.g. --route /orders")
    return spec


def _kit(deployment: Deployment, service: str, method: str, path: str,
         body: object = None) -> dict[str, object]:  # fmt: skip
    return kitadmin.call(
        deployment.url(service), method, path, body, service=service, lab_id=deployment.lab_id
    )


def _runtime(deployment: Deployment) -> Runtime:
    return runtime_for(deployment)
