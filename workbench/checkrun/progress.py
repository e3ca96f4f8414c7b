"""A learner's progress: which exercises of which labs passed, and when (state dir, progress.json).

An exercise counts as done from the first time all its checks passed; later runs update when it was
last checked and whether it still passes, so a regression shows without taking the credit away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.checkrun.results import CheckRun, ExerciseStatus
from workbench.paths import state_dir

PROGRESS_FILE = "progress.json"
VERSION = 1


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: str
    first_passed: str | None
    """ISO 8601 time (UTC) of the first run where every check of the exercise passed."""
    last_checked: str
    last_status: str
    """An `ExerciseStatus` value from the latest run that checked this exercise."""
    hints_used: int = 0
    """How many of the exercise's hints the learner asked to see (the hint ladder)."""
    failed_once: bool = False
    """Whether a run ever failed it: the hint ladder opens then."""

    @property
    def passed(self) -> bool:
        return self.first_passed is not None


def progress_path() -> Path:
    return state_dir() / PROGRESS_FILE


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _read() -> dict[str, Any]:
    try:
        data = json.loads(progress_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": VERSION, "labs": {}}
    if not isinstance(data, dict) or not isinstance(data.get("labs"), dict):
        return {"version": VERSION, "labs": {}}
    return data


def _write(data: dict[str, Any]) -> None:
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def record(run: CheckRun, *, when: str | None = None) -> list[str]:
    """Store the outcome of a run; returns the exercises it passed for the first time."""
    stamp = when or _now()
    data = _read()
    lab = data["labs"].setdefault(run.lab_id, {})
    newly: list[str] = []
    for exercise in run.exercises():
        if exercise.status in (ExerciseStatus.NOT_RUN, ExerciseStatus.NO_CHECKS):
            continue
        entry = lab.setdefault(exercise.id, {"first_passed": None})
        if exercise.status is ExerciseStatus.PASSED and not entry.get("first_passed"):
            entry["first_passed"] = stamp
            newly.append(exercise.id)
        entry["last_checked"] = stamp
        entry["last_status"] = exercise.status.value
        if exercise.status is ExerciseStatus.FAILED:
            entry["failed_once"] = True  # from now on its hints are offered
    _write(data)
    return newly


def load_progress() -> dict[str, dict[str, ExerciseProgress]]:
    """Every lab's recorded exercises: {lab_id: {exercise_id: ExerciseProgress}}."""
    out: dict[str, dict[str, ExerciseProgress]] = {}
    for lab_id, exercises in _read()["labs"].items():
        if not isinstance(exercises, dict):
            continue
        out[lab_id] = {
            ex: ExerciseProgress(
                ex,
                entry.get("first_passed"),
                entry.get("last_checked", ""),
                entry.get("last_status", ""),
                _count(entry.get("hints_used")),
                entry.get("failed_once") is True,
            )
            for ex, entry in exercises.items()
            if isinstance(entry, dict)
        }
    return out


def lab_progress(lab_id: str) -> dict[str, ExerciseProgress]:
    return load_progress().get(lab_id, {})


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def hints_used(lab_id: str) -> dict[str, int]:
    """{exercise: hints the learner has seen} for one lab (only exercises with some)."""
    return {ex: p.hints_used for ex, p in lab_progress(lab_id).items() if p.hints_used}


def use_hint(lab_id: str, exercise: str, available: int) -> int:
    """The learner asked for the next hint: count it (at most `available`); the new count.

    The hint to show is the count's (1-based): asking again after the last shows the last.
    """
    data = _read()
    lab = data["labs"].setdefault(lab_id, {})
    entry = lab.setdefault(exercise, {"first_passed": None})
    used = min(_count(entry.get("hints_used")) + 1, max(available, 0))
    entry["hints_used"] = used
    _write(data)
    return used
