"""The check engine's commands: help with examples, in the README, and errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO

COMMANDS = [("check",), ("progress",), ("lab", "init"), ("lab", "reset"), ("labs", "selftest")]


def wb(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "300"}  # rich wraps long lines at 80 columns otherwise
    return subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True,
                          text=True, timeout=60, check=False, env=env)  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command: tuple[str]) -> None:
    from click.testing import CliRunner

    from workbench.cli import cli

    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"workbench {' '.join(command)}" in (REPO / "README.md").read_text()


def test_init_and_reset_from_the_cli(fixture_labs: Path, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    first = wb("lab", "init", "design-mini", str(target))
    assert first.returncode == 0, first.stderr
    assert "partition.yaml" in first.stdout
    assert "workbench check design-mini" in first.stdout

    again = wb("lab", "init", "design-mini", str(target))
    assert again.returncode == 1
    assert "already exists and is not empty" in again.stderr
    assert "Traceback" not in again.stderr

    (target / "partition.yaml").write_text("mine\n")
    reset = wb("lab", "reset", "design-mini", "partition")
    assert reset.returncode == 0, reset.stderr
    assert "Your previous version is in" in reset.stdout
    [backup] = (target / ".workbench-backup").iterdir()
    assert (backup / "partition.yaml").read_text() == "mine\n"


def test_check_errors_say_what_to_do(fixture_labs: Path) -> None:
    no_workspace = wb("check", "design-mini")
    assert no_workspace.returncode == 1
    assert "has no workspace yet" in no_workspace.stderr
    assert "workbench lab init design-mini" in no_workspace.stderr
    unknown = wb("check", "design-mini", "nope")
    assert unknown.returncode == 1
    assert "no exercise 'nope'" in unknown.stderr
    assert "partition, decision" in unknown.stderr
    assert "Traceback" not in no_workspace.stderr + unknown.stderr


def test_progress_with_nothing_checked_yet() -> None:
    result = wb("progress")
    assert result.returncode == 0
    assert "No exercise checked yet" in result.stdout
