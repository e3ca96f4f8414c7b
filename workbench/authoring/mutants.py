"""A lab's mutants: known-wrong solutions, one common mistake each, kept as patches.

`mutants/<name>.patch` is a unified diff against `solution/` (paths relative to that folder), so a
mutant is only the lines of the mistake and cannot drift silently from the solution: when the
solution changes under it, the patch no longer applies and the self-test says which mutant, file
and hunk. The lines before the patch's first `--- FILE` line are its header (diff tools ignore
them): the first non-empty line describes the mistake in one sentence, a line `exercise: <id>`
names the exercise whose checks must reject it, and anything else explains it to the next author.

    Charges the card before reserving the stock, so money is taken for stock that may not be there.

    exercise: happy-path

    --- checkout.py
    +++ checkout.py
    @@ -60,8 +60,8 @@
    ...
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from workbench.authoring.patches import (
    Patch,
    PatchError,
    apply_patch,
    apply_to_texts,
    parse_patch,
    read_under,
)
from workbench.lab.model import Lab
from workbench.lab.problems import Problem

SUFFIX = ".patch"
REVIEWS = frozenset({"EQUIVALENT.md", "COVERAGE.md"})
"""Files of mutants/ that are not mutants: the generated mutants reviewed as harmless
(`mutation.equivalents`) and the declared faults no check needs (`coverage`)."""
_TARGET = re.compile(r"^\s*exercise:\s*([a-z0-9][a-z0-9-]*)\s*$", re.MULTILINE)
_FORMAT = "mutants/<name>.patch: a one-line description, `exercise: <id>`, then a unified diff"


class MutantError(Exception):
    """A mutant that cannot be laid over the solution (its patch no longer applies)."""


@dataclass(frozen=True)
class Mutant:
    name: str
    path: Path
    """The patch file."""
    description: str
    exercise: str | None
    patch: Patch

    @property
    def files(self) -> tuple[str, ...]:
        """The files it changes, relative to the solution folder."""
        return self.patch.paths

    def materialise(self, solution: Path, target: Path) -> Path:
        """A copy of `solution` at `target` with this mutant's patch applied.

        Raises MutantError naming the mutant, the file and the hunk when the patch does not apply
        (the solution changed under it), or when it changes nothing.
        """
        copy_tree(solution, target)
        try:
            changed = apply_patch(self.patch, target)
        except PatchError as exc:
            raise MutantError(self._stale(exc)) from None
        if all(read_under(target, rel) == read_under(solution, rel) for rel in changed):
            raise MutantError(f"mutant {self.name!r} changes nothing: it is the solution")
        return target

    def problem(self, solution: Path) -> Problem | None:
        """Why this mutant cannot be laid over `solution`, found without writing anything."""
        try:
            texts = apply_to_texts(self.patch, lambda rel: read_under(solution, rel))
        except PatchError as exc:
            return Problem(self.path, "", exc.line, self._stale(exc))
        if all(text == read_under(solution, rel) for rel, text in texts.items()):
            return Problem(self.path, "", None, f"mutant {self.name!r} changes nothing")
        return None

    def _stale(self, exc: PatchError) -> str:
        where = f"{self.path.name}:{exc.line}" if exc.line else self.path.name
        return (
            f"mutant {self.name!r} no longer applies to the solution ({where}): {exc.message}; "
            "update the patch to the solution as it is now"
        )


def read_mutants(lab: Lab) -> tuple[list[Mutant], list[Problem]]:
    """The lab's mutants, and the problems with how they are written (not whether they apply)."""
    mutants: list[Mutant] = []
    problems: list[Problem] = []
    root = lab.mutants_dir
    entries = (
        sorted(p for p in root.iterdir() if not p.name.startswith(".") and p.name not in REVIEWS)
        if root.is_dir()
        else []
    )
    exercise_ids = {e.id for e in lab.exercises}
    for entry in entries:
        if entry.is_dir() or entry.suffix != SUFFIX:
            kind = "folder" if entry.is_dir() else "file"
            problems.append(
                Problem(entry, "", None, f"{entry.name} is a {kind}, not a mutant ({_FORMAT})")
            )
            continue
        mutant = _read(entry, exercise_ids, problems)
        if mutant is not None:
            mutants.append(mutant)
    for ex in lab.exercises:
        if not any(m.exercise == ex.id for m in mutants):
            problems.append(
                Problem(
                    root,
                    "",
                    None,
                    f"exercise {ex.id!r} has no mutant: add mutants/<name>.patch, a patch "
                    f"against solution/ whose header says `exercise: {ex.id}`",
                )
            )
    return mutants, problems


def mutant_problems(lab: Lab) -> list[Problem]:
    """Everything wrong with the lab's mutants, including patches that no longer apply."""
    mutants, problems = read_mutants(lab)
    for mutant in mutants:
        problem = mutant.problem(lab.solution_dir)
        if problem is not None:
            problems.append(problem)
    return problems


def _read(path: Path, exercise_ids: set[str], problems: list[Problem]) -> Mutant | None:
    name = path.name.removesuffix(SUFFIX)
    try:
        patch = parse_patch(path.read_text(encoding="utf-8"))
    except PatchError as exc:
        problems.append(Problem(path, "", exc.line, f"mutant {name!r}: {exc.message}"))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(path, "", None, f"mutant {name!r}: cannot read it: {exc}"))
        return None
    lines = [ln.strip() for ln in patch.header.splitlines() if ln.strip()]
    description = lines[0].lstrip("# ").strip() if lines else ""
    target = _TARGET.search(patch.header)
    exercise = target.group(1) if target else None
    if not description or _TARGET.match(lines[0]):
        problems.append(
            Problem(
                path,
                "",
                1,
                f"mutant {name!r}: the patch must start with a one-line description of the "
                "mistake (before its first `--- FILE` line)",
            )
        )
    if target is None:
        problems.append(
            Problem(
                path,
                "",
                None,
                f"mutant {name!r} must name the exercise it targets with a line "
                "`exercise: <id>` before its first `--- FILE` line",
            )
        )
    elif target.group(1) not in exercise_ids:
        problems.append(
            Problem(
                path,
                "",
                _line_of(patch.header, target.start(1)),
                f"mutant {name!r} targets unknown exercise {exercise!r} "
                f"(exercises: {', '.join(sorted(exercise_ids)) or 'none'})",
            )
        )
    return Mutant(name, path, description, exercise, patch)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def copy_tree(source: Path, target: Path) -> Path:
    """A copy of `source`'s files at `target` (no __pycache__); `target` must not exist."""
    target.mkdir(parents=True)
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
    return target
