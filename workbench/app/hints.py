"""The hint ladder: an exercise's hints one at a time, on request, once a check has failed it.

Each hint asked for is counted in the learner's progress (`hints_used`), which graders read in
`workbench check --json`. Asking again after the last hint shows the last one again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.lab.model import Lab


@dataclass(frozen=True)
class Hint:
    exercise: str
    number: int
    """1-based."""
    total: int
    text: str

    @property
    def last(self) -> bool:
        return self.number >= self.total


class NoHintError(WorkbenchError):
    """The ladder is closed: no hints, or the exercise has not failed a check yet."""


def next_hint(lab: Lab, exercise: str) -> Hint:
    """Count and return the exercise's next hint; `NoHintError` says why there is none."""
    from workbench.checkrun import progress

    hints = lab.exercise(exercise).hints
    if not hints:
        raise NoHintError(
            f"{exercise} has no hints: its instructions and the checks' messages are what there is"
        )
    entry = progress.lab_progress(lab.id).get(exercise)
    if entry is None or not (entry.failed_once or entry.hints_used):
        passed = entry is not None and entry.passed
        raise NoHintError(
            f"{exercise} passed without a hint"
            if passed
            else f"the first hint of {exercise} comes after a check that fails: check it first",
        )
    used = progress.use_hint(lab.id, exercise, len(hints))
    return Hint(exercise, used, len(hints), hints[used - 1])


def hints_shown(lab: Lab, exercise: str) -> list[str]:
    """The hints of the exercise the learner has asked for so far, in order."""
    from workbench.checkrun import progress

    used = progress.hints_used(lab.id).get(exercise, 0)
    return list(lab.exercise(exercise).hints[:used])
