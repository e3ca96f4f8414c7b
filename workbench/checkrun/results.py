"""The one results model of a check run, rendered by the CLI, the TUI, `--json` and JUnit XML.

Pure Python (no pytest, no rich): the pytest plugin writes events, the runner builds a `CheckRun`
from them, and every front end reads only this module. `CheckRun.to_dict()` is the documented
`--json` schema (see SCHEMA.md); bump `SCHEMA_VERSION` on any incompatible change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    """The check ran and said no, with a sentence for the learner."""
    ERROR = "error"
    """The check could not finish: it crashed, timed out, or the lab was not reachable."""
    SKIPPED = "skipped"


class ExerciseStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not_run"
    """Not reached: an earlier exercise is not passing yet, or the run stopped first."""
    NO_CHECKS = "no_checks"


@dataclass(frozen=True)
class CheckResult:
    id: str
    """pytest node id relative to the checks folder, e.g. `test_pricing.py::test_total`."""
    name: str
    """Human-friendly name of the check (the test name without `test_`, spaces for `_`)."""
    exercise: str | None
    outcome: Outcome
    message: str = ""
    """The sentence for the learner (the assertion's message), empty when passed."""
    hint: str | None = None
    duration: float = 0.0
    details: str = ""
    """Traceback and captured output, shown only with -v."""
    trace: tuple[dict[str, Any], ...] = ()
    """What happened in the services because of the check, in time order (only for a check
    that did not pass): the service kit's records and the faults the check injected."""
    trace_skipped: int = 0
    """Records left out of the middle of a huge trace."""

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.PASSED, Outcome.SKIPPED)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "exercise": self.exercise,
            "outcome": self.outcome.value,
            "message": self.message,
            "hint": self.hint,
            "duration": round(self.duration, 4),
            "details": self.details,
            "trace": [dict(r) for r in self.trace],
            "trace_skipped": self.trace_skipped,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            id=data["id"],
            name=data["name"],
            exercise=data.get("exercise"),
            outcome=Outcome(data["outcome"]),
            message=data.get("message", ""),
            hint=data.get("hint"),
            duration=float(data.get("duration", 0.0)),
            details=data.get("details", ""),
            trace=tuple(r for r in data.get("trace") or () if isinstance(r, dict)),
            trace_skipped=int(data.get("trace_skipped") or 0),
        )


@dataclass(frozen=True)
class ImportProblem:
    """A learner file that does not compile or import; reported before any check runs."""

    file: str
    """Relative to the workspace."""
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportProblem:
        return cls(data["file"], data.get("line"), data["message"])


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    title: str
    status: ExerciseStatus
    hints: tuple[str, ...] = ()
    """The exercise's hints from lab.yaml, shown under a failing exercise."""
    hints_used: int = 0
    """How many of them the learner has asked to see (the hint ladder), as of this run."""


@dataclass
class CheckRun:
    lab_id: str
    workspace: str | None
    selected: list[str]
    """Exercise ids asked for, in lab order."""
    exercise_titles: dict[str, str] = field(default_factory=dict)
    exercise_hints: dict[str, list[str]] = field(default_factory=dict)
    hints_used: dict[str, int] = field(default_factory=dict)
    """{exercise: hints the learner had asked for} when the run began (absent means 0)."""
    results: list[CheckResult] = field(default_factory=list)
    import_problems: list[ImportProblem] = field(default_factory=list)
    error: str | None = None
    """A problem with the run itself (the checks process crashed or hit the overall deadline)."""
    run_id: str | None = None
    """The deployment the checks ran against, if any."""
    started_at: float = 0.0
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        """True only when every selected exercise passed: the CLI's exit status."""
        if self.error or self.import_problems or not self.selected:
            return False
        others = [r for r in self.results if r.exercise not in self.selected]
        return all(r.ok for r in others) and all(
            e.status is ExerciseStatus.PASSED for e in self.exercises()
        )

    def results_for(self, exercise: str) -> list[CheckResult]:
        return [r for r in self.results if r.exercise == exercise]

    def exercise_status(self, exercise: str) -> ExerciseStatus:
        results = self.results_for(exercise)
        if not results:
            if self.error or self.import_problems or self._stopped_before(exercise):
                return ExerciseStatus.NOT_RUN
            return ExerciseStatus.NO_CHECKS
        if all(r.outcome is Outcome.SKIPPED for r in results):
            return ExerciseStatus.NOT_RUN
        if all(r.ok for r in results):
            return ExerciseStatus.PASSED
        return ExerciseStatus.FAILED

    def _stopped_before(self, exercise: str) -> bool:
        """Whether an earlier selected exercise failed (the default selection stops there)."""
        for ex in self.selected:
            if ex == exercise:
                return False
            if self.results_for(ex) and not all(r.ok for r in self.results_for(ex)):
                return True
        return False

    def exercises(self) -> list[ExerciseResult]:
        return [
            ExerciseResult(
                ex,
                self.exercise_titles.get(ex, ex),
                self.exercise_status(ex),
                tuple(self.exercise_hints.get(ex, [])),
                self.hints_used.get(ex, 0),
            )
            for ex in self.selected
        ]

    def passed_exercises(self) -> list[str]:
        return [e.id for e in self.exercises() if e.status is ExerciseStatus.PASSED]

    def counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for r in self.results:
            counts[r.outcome.value] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "lab": self.lab_id,
            "workspace": self.workspace,
            "run_id": self.run_id,
            "passed": self.passed,
            "started_at": self.started_at,
            "duration": round(self.duration, 4),
            "error": self.error,
            "counts": self.counts(),
            "import_problems": [p.to_dict() for p in self.import_problems],
            "exercises": [
                {
                    "id": e.id,
                    "title": e.title,
                    "status": e.status.value,
                    "hints": list(e.hints),
                    "hints_used": e.hints_used,
                    "checks": [r.id for r in self.results_for(e.id)],
                }
                for e in self.exercises()
            ],
            "checks": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckRun:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unsupported results schema_version {data.get('schema_version')!r}")
        exercises = data.get("exercises", [])
        return cls(
            lab_id=data["lab"],
            workspace=data.get("workspace"),
            selected=[e["id"] for e in exercises],
            exercise_titles={e["id"]: e["title"] for e in exercises},
            exercise_hints={e["id"]: list(e.get("hints", [])) for e in exercises},
            hints_used={e["id"]: int(e.get("hints_used", 0)) for e in exercises},
            results=[CheckResult.from_dict(r) for r in data.get("checks", [])],
            import_problems=[ImportProblem.from_dict(p) for p in data.get("import_problems", [])],
            error=data.get("error"),
            run_id=data.get("run_id"),
            started_at=float(data.get("started_at", 0.0)),
            duration=float(data.get("duration", 0.0)),
        )


@dataclass(frozen=True)
class CheckEvent:
    """Live progress of a run, for front ends: a check started, or one finished with its result."""

    kind: str
    """'collected', 'started' or 'finished'."""
    check_id: str = ""
    total: int = 0
    result: CheckResult | None = None


EventCallback = Callable[[CheckEvent], None]
