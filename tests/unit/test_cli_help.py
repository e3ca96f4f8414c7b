"""Every command has help with an example and is shown in the README (kept true to what ships)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from workbench.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def leaf_commands(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from leaf_commands(sub, (*path, name))
    else:
        yield path


COMMANDS = list(leaf_commands(cli))


def command_of(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_there_are_commands() -> None:
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_help_has_an_example(path: tuple[str, ...]) -> None:
    text = command_of(path).help or ""
    assert "Example" in text, f"`workbench {' '.join(path)}` --help has no example"
    assert f"workbench {' '.join(path)}" in text


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    assert f"workbench {' '.join(path)}" in README, f"README does not show `workbench {path}`"


def test_readme_starts_with_the_two_commands() -> None:
    head = README[:600]
    assert "make run" in head
    assert "make test" in head


def test_help_runs_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr
    for path in COMMANDS:
        assert path[0] in proc.stdout
