"""The hint ladder: closed until a check fails the exercise, then one hint at a time, each
counted in the progress and carried in `check --json` (`exercises[].hints_used`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.app.hints import NoHintError, hints_shown, next_hint
from workbench.checkrun import progress
from workbench.checkrun.results import CheckRun
from workbench.lab import find_lab
from workbench.lab.workspace import init_workspace


def _check_json(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "check", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=dict(os.environ),
    )
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_the_ladder_opens_after_a_failure_and_counts_each_hint(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    init_workspace(lab)
    with pytest.raises(NoHintError, match="comes after a check that fails"):
        next_hint(lab, "partition")
    assert hints_shown(lab, "partition") == []

    failing = _check_json("design-mini", "partition")
    assert failing["passed"] is False
    assert failing["exercises"] == [  # type: ignore[comparison-overlap]
        {
            "id": "partition",
            "title": "Partition the shop",
            "status": "failed",
            "hints": list(lab.exercise("partition").hints),
            "hints_used": 0,
            "checks": failing["exercises"][0]["checks"],  # type: ignore[index]
        }
    ]
    first = next_hint(lab, "partition")
    assert (first.number, first.total, first.last) == (1, 2, False)
    assert first.text == lab.exercise("partition").hints[0]
    second = next_hint(lab, "partition")
    assert (second.number, second.last) == (2, True)
    assert next_hint(lab, "partition").number == 2  # the last one again, not counted twice
    assert hints_shown(lab, "partition") == list(lab.exercise("partition").hints)

    again = _check_json("design-mini", "partition")
    assert again["exercises"][0]["hints_used"] == 2  # type: ignore[index]
    assert progress.lab_progress("design-mini")["partition"].hints_used == 2
    # A later run keeps the count (recording a run does not reset it).
    assert progress.hints_used("design-mini") == {"partition": 2}


def test_no_hints_and_passed_without_one(fixture_labs: Path, tmp_path: Path) -> None:
    lab = find_lab("design-mini")
    run = CheckRun("design-mini", None, ["decision"])
    run.exercise_titles = {"decision": "Record the decision"}
    from workbench.checkrun.results import CheckResult, Outcome

    run.results = [CheckResult("c", "c", "decision", Outcome.PASSED)]
    progress.record(run)
    with pytest.raises(NoHintError, match="passed without a hint"):
        next_hint(lab, "decision")


def test_old_progress_files_read_as_no_hints_used(isolated_state: Path) -> None:
    (isolated_state / "progress.json").write_text(
        json.dumps({"version": 1, "labs": {"x": {"a": {"first_passed": None,
                    "last_checked": "t", "last_status": "failed", "hints_used": "many"}}}})
    )  # fmt: skip
    entry = progress.lab_progress("x")["a"]
    assert entry.hints_used == 0 and entry.failed_once is False
    assert CheckRun.from_dict(
        {"schema_version": 1, "lab": "x", "exercises": [{"id": "a", "title": "A"}]}
    ).hints_used == {"a": 0}
