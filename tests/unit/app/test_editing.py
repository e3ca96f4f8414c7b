"""Opening a learner file in the learner's editor and showing their changes: the editor chosen
as a shell would, files kept inside the workspace, one sentence when it cannot be done."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.app.editing import (
    EditorError,
    diff_against_starter,
    editor_command,
    learner_file,
    open_in_editor,
)
from workbench.errors import WorkbenchError
from workbench.lab import find_lab
from workbench.lab.workspace import init_workspace


def test_visual_wins_over_editor_and_words_are_split_as_a_shell_would() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"VISUAL": " ", "EDITOR": "vi"}) == ["vi"]
    assert editor_command({"EDITOR": "'/opt/my editor/bin/ed' -n"}) == [
        "/opt/my editor/bin/ed",
        "-n",
    ]
    assert editor_command({}) is None


def test_the_file_is_the_exercises_or_one_inside_the_workspace(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    assert learner_file(lab, workspace, None, exercise="decision") == workspace / "decision.md"
    assert learner_file(lab, workspace, None, exercise=None) == workspace / "partition.yaml"
    assert learner_file(lab, workspace, "notes/x.md", exercise=None) == workspace / "notes/x.md"
    with pytest.raises(WorkbenchError, match="not inside your workspace"):
        learner_file(lab, workspace, "../elsewhere.md", exercise=None)
    with pytest.raises(WorkbenchError, match="is a folder"):
        learner_file(lab, workspace, ".", exercise=None)


def test_no_editor_and_a_missing_editor_are_one_sentence(tmp_path: Path) -> None:
    target = tmp_path / "f.py"
    with pytest.raises(EditorError) as none:
        open_in_editor(target, environ={})
    assert "no editor is set" in none.value.message and "export EDITOR=" in none.value.message
    assert str(target) in (none.value.hint or "")
    with pytest.raises(EditorError) as missing:
        open_in_editor(target, environ={"EDITOR": str(tmp_path / "nope")})
    assert "could not be started (No such file or directory)" in missing.value.message


def test_the_editor_gets_the_file_and_its_exit_status_comes_back(tmp_path: Path) -> None:
    script = tmp_path / "ed"
    script.write_text('#!/bin/sh\necho "$1" > "$1.seen"\nexit 3\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    target = tmp_path / "f.py"
    assert open_in_editor(target, environ={"EDITOR": str(script)}) == 3
    assert (tmp_path / "f.py.seen").read_text().strip() == str(target)


def test_diff_against_the_starter(fixture_labs: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    assert [d.diff for d in diff_against_starter(lab, workspace, ["partition.yaml"])] == [""]
    with (workspace / "partition.yaml").open("a") as f:
        f.write("extra: line\n")
    (workspace / "decision.md").unlink()
    changed, gone = diff_against_starter(lab, workspace, ["partition.yaml", "decision.md"])
    assert changed.diff.startswith("--- starter/partition.yaml\n+++ yours/partition.yaml\n")
    assert "+extra: line\n" in changed.diff
    assert gone.diff and all(line.startswith(("-", "@")) for line in gone.diff.splitlines()[2:])


def _wb(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "COLUMNS": "200", **env},
    )


def test_cli_lab_edit_and_diff(fixture_labs: Path, tmp_path: Path) -> None:
    lab = find_lab("design-mini")
    workspace = init_workspace(lab)
    script = tmp_path / "ed"
    script.write_text('#!/bin/sh\necho "- added by the editor" >> "$1"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    edited = _wb("lab", "edit", "design-mini", env={"VISUAL": "", "EDITOR": str(script)})
    assert edited.returncode == 0, edited.stderr
    assert (workspace / "partition.yaml").read_text().endswith("- added by the editor\n")

    diff = _wb("lab", "diff", "design-mini", env={})
    assert diff.returncode == 0, diff.stderr
    assert "+- added by the editor" in diff.stdout
    assert "decision.md: unchanged since the starter" in diff.stdout

    no_editor = _wb("lab", "edit", "design-mini", "decision.md", env={"VISUAL": "", "EDITOR": ""})
    assert no_editor.returncode == 1
    assert "no editor is set" in no_editor.stderr
    assert str(workspace / "decision.md") in no_editor.stderr
    assert "Traceback" not in no_editor.stderr

    unknown = _wb("lab", "diff", "design-mini", "nope", env={})
    assert unknown.returncode == 1 and "no exercise 'nope'" in unknown.stderr
