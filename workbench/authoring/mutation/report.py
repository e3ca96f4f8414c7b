"""What a mutation run found: a verdict per mutant, the counts, the kill rate, the survivors' diffs.

Pure data (no rich): the CLI renders it, `--json` writes `to_dict()`.

The kill rate is killed ÷ (generated − equivalent − not loadable). A mutant that timed out (it
hung a service or the checks) counts as killed: a learner's checks would not pass on it either.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.authoring.mutation.operators import Mutation

SCHEMA_VERSION = 1


class Verdict(StrEnum):
    KILLED = "killed"
    """A check failed (or could not finish) on it."""
    SURVIVED = "survived"
    """Every check of its exercises passed: a mistake the checks do not catch."""
    TIMED_OUT = "timed out"
    """It hung a check or the whole run; counted as killed."""
    NOT_LOADABLE = "not loadable"
    """Its file does not import, or the services did not become ready on it."""
    EQUIVALENT = "equivalent"
    """Recorded in mutants/EQUIVALENT.md as harmless; not run."""


@dataclass(frozen=True)
class MutantResult:
    mutation: Mutation
    verdict: Verdict
    exercises: tuple[str, ...]
    """The exercises whose learner file it changes (their checks ran on it)."""
    diff: str
    """Unified diff against the solution."""
    detail: str = ""
    """The check that killed it and its message, or why it timed out or did not load, or the
    reason it is equivalent."""
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        m = self.mutation
        return {
            "fingerprint": m.fingerprint,
            "file": m.file,
            "function": m.qualname,
            "line": m.line,
            "operator": m.operator,
            "description": m.description,
            "verdict": self.verdict.value,
            "exercises": list(self.exercises),
            "detail": self.detail,
            "duration": round(self.duration, 3),
            "diff": self.diff,
        }


@dataclass
class MutationReport:
    lab_id: str
    runtime: str | None
    """None for a files-only lab (nothing started)."""
    generated: int
    """Mutants the operators made for the selected files, before --only/--sample/--limit."""
    selection: str = "all"
    results: list[MutantResult] = field(default_factory=list)
    planned: int = 0
    """Mutants chosen for this run (the progress total)."""
    problems: list[str] = field(default_factory=list)
    """For the author, not errors: stale equivalents, malformed entries."""
    interrupted: bool = False
    duration: float = 0.0
    baseline_duration: float = 0.0
    """How long the solution's checks took (a survivor costs about that)."""

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.results if r.verdict is verdict)

    def counts(self) -> dict[str, int]:
        counts = {v.value: self.count(v) for v in Verdict}
        counts["run"] = len(self.results)
        return counts

    @property
    def killed_total(self) -> int:
        """Killed, timed-out mutants included."""
        return self.count(Verdict.KILLED) + self.count(Verdict.TIMED_OUT)

    @property
    def kill_rate(self) -> float | None:
        """killed ÷ (generated − equivalent − not loadable) over the mutants run; None when no
        mutant counts."""
        scored = (
            len(self.results) - self.count(Verdict.EQUIVALENT) - self.count(Verdict.NOT_LOADABLE)
        )
        return self.killed_total / scored if scored else None

    @property
    def survivors(self) -> list[MutantResult]:
        return [r for r in self.results if r.verdict is Verdict.SURVIVED]

    @property
    def ok(self) -> bool:
        """No unexplained survivor (and not interrupted)."""
        return not self.survivors and not self.interrupted

    def to_dict(self) -> dict[str, Any]:
        rate = self.kill_rate
        return {
            "schema_version": SCHEMA_VERSION,
            "lab": self.lab_id,
            "runtime": self.runtime,
            "generated": self.generated,
            "selection": self.selection,
            "planned": self.planned,
            "counts": self.counts(),
            "kill_rate": round(rate, 4) if rate is not None else None,
            "kill_rate_formula": "(killed + timed out) / (run - equivalent - not loadable)",
            "interrupted": self.interrupted,
            "duration": round(self.duration, 2),
            "baseline_duration": round(self.baseline_duration, 2),
            "problems": list(self.problems),
            "mutants": [r.to_dict() for r in self.results],
        }


def unified_diff(file: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"solution/{file}",
            tofile=f"mutant/{file}",
            n=2,
        )
    )
