"""The learner's files: which one to open, opening it in their editor, and what they changed.

Both front ends use it: `workbench lab edit` / `workbench lab diff` and the lab screen's `e` / `d`
(the TUI suspends itself around `open_in_editor`).
"""

from __future__ import annotations

import difflib
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.lab.model import Lab

HOW_TO_SET = "set one with `export EDITOR=nano` (or vim, `code --wait`, …) in your shell's profile"


class EditorError(WorkbenchError):
    """No editor is set, or the one set could not be started."""


def editor_command(environ: dict[str, str] | None = None) -> list[str] | None:
    """`$VISUAL`, else `$EDITOR`, split as a shell would (`code --wait` is two words)."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value]
            if words:
                return words
    return None


def learner_file(lab: Lab, workspace: Path, name: str | None, *, exercise: str | None) -> Path:
    """The file to open: `name` (relative to the workspace, staying inside it), else the first
    learner file of `exercise` (else of the lab's first exercise that has one)."""
    root = workspace.resolve()
    if name is None:
        exercises = [lab.exercise(exercise)] if exercise else list(lab.exercises)
        files = [rel for ex in exercises for rel in ex.files]
        if not files:
            raise WorkbenchError(
                f"lab {lab.id!r} names no learner file to edit",
                f"give one: `workbench lab edit {lab.id} FILE`",
            )
        return root / files[0]
    path = (root / name).resolve()
    if path != root and root not in path.parents:
        raise WorkbenchError(
            f"{name} is not inside your workspace {root}",
            "give a path relative to the workspace, e.g. " + _example(lab),
        )
    if path.is_dir():
        raise WorkbenchError(
            f"{name} is a folder, not a file", "give a file, e.g. " + _example(lab)
        )
    return path


def _example(lab: Lab) -> str:
    files = [rel for ex in lab.exercises for rel in ex.files]
    return files[0] if files else "notes.md"


def open_in_editor(path: Path, *, environ: dict[str, str] | None = None) -> int:
    """Run the learner's editor on `path` in this terminal and wait for it; its exit status.

    Raises `EditorError` with one sentence when no editor is set or it cannot be started.
    """
    command = editor_command(environ)
    if command is None:
        raise EditorError(f"no editor is set: {HOW_TO_SET}", f"the file is {path}")
    try:
        return subprocess.run([*command, str(path)], check=False).returncode
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise EditorError(
            f"the editor {command[0]!r} could not be started ({why}): check $VISUAL / $EDITOR",
            f"the file is {path}",
        ) from None


@dataclass(frozen=True)
class FileDiff:
    file: str
    diff: str
    """A unified diff from the starter to the learner's file; empty when they are the same."""


def diff_against_starter(lab: Lab, workspace: Path, files: list[str]) -> list[FileDiff]:
    """What the learner changed in each of `files` since the starter (a file the starter does
    not have is all new; a file the learner removed is all gone)."""
    out = []
    for rel in files:
        old = _lines(lab.starter_dir / rel)
        new = _lines(workspace / rel)
        diff = difflib.unified_diff(old, new, fromfile=f"starter/{rel}", tofile=f"yours/{rel}")
        out.append(FileDiff(rel, "".join(diff)))
    return out


def exercise_files(lab: Lab, exercise: str | None) -> list[str]:
    """The learner files of one exercise, or of every exercise (each once, in order)."""
    from workbench.checkrun.runner import select_exercises

    if exercise is not None:
        select_exercises(lab, exercise)  # a clear error for an unknown one
    exercises = [lab.exercise(exercise)] if exercise else list(lab.exercises)
    files: list[str] = []
    for ex in exercises:
        files += [rel for rel in ex.files if rel not in files]
    return files


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines
