"""Progress: exercises passed per lab with dates, kept in the state dir."""

from __future__ import annotations

from pathlib import Path

from workbench.checkrun.progress import load_progress, progress_path, record
from workbench.checkrun.results import CheckResult, CheckRun, Outcome


def run_with(outcomes: dict[str, Outcome], lab: str = "shop") -> CheckRun:
    return CheckRun(
        lab_id=lab,
        workspace="/ws",
        selected=list(outcomes),
        results=[CheckResult(f"t::{ex}", ex, ex, o) for ex, o in outcomes.items()],
    )


def test_progress_lives_in_the_state_dir(isolated_state: Path) -> None:
    record(run_with({"pricing": Outcome.PASSED}))
    assert progress_path() == isolated_state / "progress.json"
    assert progress_path().is_file()


def test_first_pass_date_is_kept_and_regressions_show() -> None:
    assert record(run_with({"pricing": Outcome.FAILED}), when="2025-01-01T10:00:00+00:00") == []
    entry = load_progress()["shop"]["pricing"]
    assert not entry.passed
    assert entry.last_status == "failed"

    assert record(run_with({"pricing": Outcome.PASSED}), when="2025-01-02T10:00:00+00:00") == [
        "pricing"
    ]
    assert record(run_with({"pricing": Outcome.PASSED}), when="2025-01-03T10:00:00+00:00") == []
    record(run_with({"pricing": Outcome.FAILED}), when="2025-01-04T10:00:00+00:00")
    entry = load_progress()["shop"]["pricing"]
    assert entry.passed
    assert entry.first_passed == "2025-01-02T10:00:00+00:00"
    assert entry.last_checked == "2025-01-04T10:00:00+00:00"
    assert entry.last_status == "failed"


def test_exercises_not_reached_are_not_recorded() -> None:
    run = run_with({"pricing": Outcome.FAILED})
    run.selected.append("shipping")  # never reached: the default selection stopped at pricing
    record(run)
    assert set(load_progress()["shop"]) == {"pricing"}


def test_labs_are_kept_apart_and_a_corrupt_file_starts_over() -> None:
    record(run_with({"pricing": Outcome.PASSED}))
    record(run_with({"partition": Outcome.PASSED}, lab="design-mini"))
    assert set(load_progress()) == {"shop", "design-mini"}
    progress_path().write_text("{not json")
    assert load_progress() == {}
    record(run_with({"pricing": Outcome.PASSED}))
    assert load_progress()["shop"]["pricing"].passed
