"""The lab authors' in-pytest API: learner messages, check names, `eventually`, the event lines."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.checkrun.results import CheckResult, Outcome
from workbench.checks import eventually, wire
from workbench.checks.messages import check_name, learner_message


def test_learner_messages_drop_pytest_introspection() -> None:
    exc = AssertionError("the total is 0, expected 1225\nassert 0 == 1225")
    assert learner_message(exc, "call") == ("failed", "the total is 0, expected 1225")
    kind, message = learner_message(AssertionError("assert 0 == 1225"), "call")
    assert kind == "failed"
    assert "assert 0 == 1225" in message
    assert learner_message(AssertionError("broken fixture"), "setup")[0] == "error"


def test_exceptions_that_are_not_verdicts_are_errors() -> None:
    connect = type("ConnectError", (Exception,), {})("[Errno 111] Connection refused")
    assert learner_message(connect, "call") == (
        "error",
        "could not connect to the service (is it running? did it crash?)",
    )
    kind, message = learner_message(KeyError("total_cents"), "call")
    assert kind == "error"
    assert "KeyError" in message


def test_timeouts_are_reported_in_seconds() -> None:
    failed = type("Failed", (Exception,), {})("Timeout (>1.0s) from pytest-timeout.")
    kind, message = learner_message(failed, "call")
    assert kind == "error"
    assert "did not finish within 1 s" in message


def test_check_names_read_like_sentences() -> None:
    assert check_name("test_total_adds_up") == "total adds up"
    assert check_name("test_section[Context]") == "section [Context]"


def test_eventually_returns_the_first_truthy_value() -> None:
    calls = iter([None, ValueError("starting"), 0, "done"])

    def poll() -> object:
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    assert eventually(poll, within=2.0, interval=0.001) == "done"


def test_eventually_fails_with_the_learners_message() -> None:
    with pytest.raises(AssertionError, match="order 7 never became APPROVED") as info:
        eventually(
            lambda: 1 / 0, within=0.05, interval=0.01, message="order 7 never became APPROVED"
        )
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_event_lines_round_trip_and_torn_lines_are_skipped() -> None:
    line = wire.encode(wire.START, id="checks/test_x.py::test_a")
    assert line.endswith("\n")
    assert line.count("\n") == 1
    assert wire.decode(line) == {"event": "start", "id": "checks/test_x.py::test_a"}
    assert wire.decode(line[:10]) is None  # a line the plugin was still writing
    assert wire.decode(b"") is None
    assert wire.decode("[1, 2]") is None
    assert wire.decode('{"id": "no kind"}') is None


def test_a_result_event_is_what_the_host_reads_as_a_check_result() -> None:
    fields = wire.ResultFields(
        id="checks/test_x.py::test_a",
        name="a",
        exercise="one",
        outcome="failed",
        message="the total is 0",
        hint=None,
        duration=0.5,
        details="",
    )
    event = wire.decode(wire.encode(wire.RESULT, **fields))
    assert event is not None
    result = CheckResult.from_dict(event)
    assert (result.outcome, result.message) == (Outcome.FAILED, "the total is 0")
    assert {o.value for o in Outcome} == set(wire.OUTCOMES)


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_pytest_side_loads_nothing_of_the_host_and_the_host_no_pytest() -> None:
    inside = _loaded_after("import workbench.checks.plugin, workbench.checks.fixtures")
    assert not {m for m in inside if m.startswith(("workbench.checkrun", "workbench.authoring"))}
    host = _loaded_after("import workbench.checkrun.runner, workbench.checkrun.report")
    assert "pytest" not in host
    # The package face's light names only (what lab check files import), never the plugin.
    assert {m for m in host if m.startswith("workbench.checks.")} == {
        "workbench.checks.design",
        "workbench.checks.faults",
        "workbench.checks.wait",
        "workbench.checks.wire",
    }
