"""The results model: exercise statuses, the exit-status rule, and the stable JSON schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench.checkrun.results import (
    SCHEMA_VERSION,
    CheckResult,
    CheckRun,
    ExerciseStatus,
    ImportProblem,
    Outcome,
)

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "workbench" / "checkrun" / "SCHEMA.md"


def result(check: str, exercise: str | None, outcome: Outcome, message: str = "") -> CheckResult:
    return CheckResult(f"test_x.py::{check}", check, exercise, outcome, message, duration=0.01)


def make_run(*results: CheckResult, selected: tuple[str, ...] = ("one", "two")) -> CheckRun:
    return CheckRun(
        lab_id="lab",
        workspace="/ws",
        selected=list(selected),
        exercise_titles={"one": "First", "two": "Second"},
        exercise_hints={"one": ["try harder"]},
        results=list(results),
    )


def test_all_passed_is_the_only_success() -> None:
    run = make_run(result("a", "one", Outcome.PASSED), result("b", "two", Outcome.PASSED))
    assert run.passed
    assert run.passed_exercises() == ["one", "two"]


def test_a_failed_check_fails_its_exercise_and_the_run() -> None:
    run = make_run(
        result("a", "one", Outcome.PASSED),
        result("b", "one", Outcome.FAILED, "the total is wrong"),
    )
    statuses = {e.id: e.status for e in run.exercises()}
    assert statuses == {"one": ExerciseStatus.FAILED, "two": ExerciseStatus.NOT_RUN}
    assert not run.passed


def test_an_exercise_without_checks_is_not_a_pass() -> None:
    run = make_run(result("a", "one", Outcome.PASSED))
    assert run.exercise_status("two") is ExerciseStatus.NO_CHECKS
    assert not run.passed


def test_errors_and_import_problems_fail_the_run() -> None:
    assert not make_run(result("a", "one", Outcome.ERROR), selected=("one",)).passed
    run = make_run(selected=("one",))
    run.import_problems.append(ImportProblem("pricing.py", 3, "syntax error"))
    assert not run.passed
    assert run.exercise_status("one") is ExerciseStatus.NOT_RUN
    assert str(run.import_problems[0]) == "pricing.py:3: syntax error"


def test_a_failing_untagged_check_fails_the_run() -> None:
    run = make_run(
        result("a", "one", Outcome.PASSED), result("z", None, Outcome.FAILED), selected=("one",)
    )
    assert not run.passed


def test_json_round_trip_keeps_everything() -> None:
    run = make_run(result("a", "one", Outcome.FAILED, "wrong"), result("b", "one", Outcome.PASSED))
    run.import_problems.append(ImportProblem("x.py", None, "missing"))
    data = json.loads(json.dumps(run.to_dict()))
    again = CheckRun.from_dict(data)
    assert again.to_dict() == data
    assert again.results[0].outcome is Outcome.FAILED


def test_json_schema_is_the_documented_one() -> None:
    data = make_run(result("a", "one", Outcome.FAILED, "wrong")).to_dict()
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert set(data) == {
        "schema_version",
        "lab",
        "workspace",
        "run_id",
        "passed",
        "started_at",
        "duration",
        "error",
        "counts",
        "import_problems",
        "exercises",
        "checks",
    }
    assert set(data["exercises"][0]) == {"id", "title", "status", "hints", "hints_used", "checks"}
    assert set(data["checks"][0]) == {
        "id",
        "name",
        "exercise",
        "outcome",
        "message",
        "hint",
        "duration",
        "details",
        "trace",
        "trace_skipped",
    }
    assert set(data["counts"]) == {o.value for o in Outcome}
    documented = set(re.findall(r"^\|\s*`([a-z_.\[\]]+)`", SCHEMA_DOC.read_text(), re.MULTILINE))
    fields = {f.split(".")[-1].removesuffix("[]") for f in documented}
    for key in [*data, *data["exercises"][0], *data["checks"][0]]:
        assert key in fields, f"{key} is not documented in SCHEMA.md"


def test_other_schema_versions_are_refused() -> None:
    data = make_run().to_dict()
    data["schema_version"] = 99
    with pytest.raises(ValueError, match="schema_version"):
        CheckRun.from_dict(data)
