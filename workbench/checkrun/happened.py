""" "What happened" for a check that did not pass: its trace records made into steps between
lanes (the check, the services, the broker), in time order, for the `-v` list and the TUI's
sequence view.

Pure Python. A call is taken from its caller's record (so a call that got no answer, or went to
a service that does not note its requests, still shows), joined with the callee's record of the
same request to tell a fault the check injected there; a request with no caller's record came
from the check itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CHECK = "check"
BROKER = "events"
"""The lane events go through (the lab's NATS broker)."""


@dataclass(frozen=True)
class Step:
    at: float
    """Seconds since the first record."""
    source: str
    target: str
    """Equal to `source` for something that happened inside one lane (a note)."""
    label: str
    outcome: str = ""
    """`201`, `503`, `ReadError`, … for calls; empty otherwise."""
    fault: str = ""
    """The fault injected by the check that this step met (or, on a note, the one injected)."""
    failed: bool = False

    @property
    def note(self) -> bool:
        return self.source == self.target


def steps(records: list[dict[str, Any]]) -> list[Step]:
    """The records as steps, in time order."""
    if not records:
        return []
    # A call or request is placed where it began (its record is written when it ended), so a
    # call made while answering another comes after it, as in a sequence diagram.
    published = {
        (r.get("subject"), r.get("seq")): float(r.get("ts", 0.0))
        for r in records
        if r.get("kind") == "published"
    }

    def began(record: dict[str, Any]) -> float:
        # A consumer may be done before its publisher heard the broker's ack: it goes after.
        at = _began(record)
        if record.get("kind") in ("consumed", "failed"):
            at = max(at, published.get((record.get("subject"), record.get("seq")), at) + 1e-4)
        return at

    records = sorted(records, key=began)
    t0 = began(records[0])
    answered, callee_records = _answered_calls(records)
    out: list[Step] = []
    for index, record in enumerate(records):
        at = round(began(record) - t0, 3)
        kind = record.get("kind")
        service = str(record.get("service", "?"))
        if kind == "call":
            callee = answered.get(index)
            fault = str(callee.get("fault", "")) if callee else ""
            outcome = str(record.get("status") or record.get("error") or "?")
            out.append(
                Step(
                    at,
                    service,
                    str(record.get("peer", "?")),
                    _request_label(record),
                    outcome,
                    fault,
                    failed=_failed(record),
                )
            )
        elif kind == "request" and index not in callee_records:
            outcome = str(record.get("status") or ("no answer" if record.get("fault") else "?"))
            out.append(
                Step(
                    at,
                    CHECK,
                    service,
                    _request_label(record),
                    outcome,
                    str(record.get("fault", "")),
                    failed=_failed(record),
                )
            )
        elif kind == "published":
            label = f"publish {record.get('subject')}" + _seq(record)
            out.append(Step(at, service, BROKER, label))
        elif kind == "consumed":
            label = f"deliver {record.get('subject')}" + _delivery(record)
            out.append(Step(at, BROKER, service, label))
        elif kind == "failed":
            label = f"handling {record.get('subject')} failed" + _delivery(record)
            error = record.get("error")
            label += f": {error}; it will be redelivered" if error else "; it will be redelivered"
            out.append(Step(at, service, service, label, failed=True))
        elif kind == "crash":
            key = f" for {record.get('key')}" if record.get("key") else ""
            label = f"crash point {record.get('point')} reached{key}: {record.get('detail', '')}"
            out.append(Step(at, service, service, label.rstrip(": "), fault="crash", failed=True))
        elif kind == "fault":
            detail = str(record.get("detail", ""))
            label = f"fault injected: {record.get('fault')}" + (f" ({detail})" if detail else "")
            out.append(Step(at, service, service, label, fault=str(record.get("fault", ""))))
    return _folded(out)


def _folded(found: list[Step]) -> list[Step]:
    """Repeats in a row (a check polling for a state) as one step with a count."""
    out: list[Step] = []
    for step in found:
        last = out[-1] if out else None
        same = last is not None and (
            (last.source, last.target, last.outcome, last.fault)
            == (step.source, step.target, step.outcome, step.fault)
        )
        if last is not None and same and last.label.split(" ×")[0] == step.label:
            count = int(last.label.rsplit(" ×", 1)[1]) + 1 if " ×" in last.label else 2
            out[-1] = Step(last.at, last.source, last.target, f"{step.label} ×{count}",
                           last.outcome, last.fault, last.failed)  # fmt: skip
        else:
            out.append(step)
    return out


def lanes(found: list[Step]) -> list[str]:
    """The lanes of a sequence, in order of appearance: the check first, the broker last."""
    seen: list[str] = []
    for step in found:
        for lane in (step.source, step.target):
            if lane not in seen:
                seen.append(lane)
    ordered = [lane for lane in seen if lane not in (CHECK, BROKER)]
    return ([CHECK] if CHECK in seen else []) + ordered + ([BROKER] if BROKER in seen else [])


def describe(step: Step) -> str:
    """One line of the `-v` list."""
    when = f"+{step.at:7.3f}s"
    if step.note:
        return f"{when}  {step.source}: {step.label}"
    result = f" → {step.outcome}" if step.outcome else ""
    fault = f" (injected {step.fault})" if step.fault and not step.note else ""
    return f"{when}  {step.source} → {step.target}  {step.label}{result}{fault}"


def _answered_calls(
    records: list[dict[str, Any]],
) -> tuple[dict[int, dict[str, Any]], set[int]]:
    """Call record index → the callee's record of that request, and the indexes of those
    callee records (not shown again as requests from the check)."""
    answers: dict[int, dict[str, Any]] = {}
    used: set[int] = set()
    for i, call in enumerate(records):
        if call.get("kind") != "call":
            continue
        for j, req in enumerate(records):
            if (
                j not in used
                and req.get("kind") == "request"
                and req.get("service") == call.get("peer")
                and req.get("method") == call.get("method")
                and req.get("path") == call.get("path")
                and float(req.get("ts", 0.0)) <= float(call.get("ts", 0.0)) + 0.05
            ):
                answers[i] = req
                used.add(j)
                break
    return answers, used


def _began(record: dict[str, Any]) -> float:
    ts = float(record.get("ts", 0.0))
    ms = record.get("ms")
    if record.get("kind") in ("call", "request") and isinstance(ms, int | float):
        return ts - float(ms) / 1000
    return ts


def _request_label(record: dict[str, Any]) -> str:
    return f"{record.get('method', '?')} {record.get('path', '?')}"


def _failed(record: dict[str, Any]) -> bool:
    status = record.get("status")
    return bool(record.get("error")) or (isinstance(status, int) and status >= 500)


def _seq(record: dict[str, Any]) -> str:
    seq = record.get("seq")
    dup = " (duplicate, dropped)" if record.get("duplicate") else ""
    return (f" #{seq}" if seq is not None else "") + dup


def _delivery(record: dict[str, Any]) -> str:
    delivery = record.get("delivery")
    if isinstance(delivery, int) and delivery > 1:
        return f" (redelivery {delivery - 1})"
    return ""
