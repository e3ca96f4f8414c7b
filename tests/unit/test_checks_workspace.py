"""Workspaces: init copies the starter and never overwrites; reset restores with a backup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.lab import load_lab
from workbench.lab.model import Lab
from workbench.lab.workspace import (
    BACKUP_DIR,
    WorkspaceError,
    default_workspace,
    find_workspace,
    init_workspace,
    require_workspace,
    reset,
)


@pytest.fixture
def lab(fixture_labs: Path) -> Lab:
    return load_lab(fixture_labs / "design-mini")


def test_default_workspace_is_under_workbench_home(lab: Lab) -> None:
    assert default_workspace("shop") == Path(os.environ["WORKBENCH_HOME"]) / "shop"
    folder = init_workspace(lab)
    assert folder == default_workspace(lab.id).resolve()
    assert sorted(p.name for p in folder.iterdir()) == ["decision.md", "partition.yaml"]
    starter = (lab.starter_dir / "partition.yaml").read_text()
    assert (folder / "partition.yaml").read_text() == starter
    assert find_workspace(lab.id) == folder


def test_an_explicit_folder_is_remembered(lab: Lab, tmp_path: Path) -> None:
    folder = init_workspace(lab, tmp_path / "mine" / "design")
    assert folder == (tmp_path / "mine" / "design").resolve()
    assert find_workspace(lab.id) == folder
    assert require_workspace(lab) == folder


def test_an_empty_existing_folder_is_fine(lab: Lab, tmp_path: Path) -> None:
    init_workspace(lab, tmp_path)
    assert (tmp_path / "partition.yaml").is_file()


def test_a_non_empty_folder_is_never_overwritten(lab: Lab, tmp_path: Path) -> None:
    (tmp_path / "partition.yaml").write_text("my work")
    with pytest.raises(WorkspaceError, match="not empty") as info:
        init_workspace(lab, tmp_path)
    assert "workbench lab reset design-mini" in (info.value.hint or "")
    assert (tmp_path / "partition.yaml").read_text() == "my work"


def test_no_workspace_says_how_to_make_one(lab: Lab) -> None:
    assert find_workspace(lab.id) is None
    with pytest.raises(WorkspaceError) as info:
        require_workspace(lab)
    assert "workbench lab init design-mini" in (info.value.hint or "")


def test_a_moved_away_workspace_falls_back_to_the_default(lab: Lab, tmp_path: Path) -> None:
    folder = init_workspace(lab, tmp_path / "gone")
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    assert find_workspace(lab.id) is None
    default = init_workspace(lab)
    assert find_workspace(lab.id) == default


def test_reset_one_exercise_backs_up_what_it_replaces(lab: Lab) -> None:
    folder = init_workspace(lab)
    (folder / "partition.yaml").write_text("services: {mine: [catalog]}\n")
    (folder / "decision.md").write_text("my decision\n")
    result = reset(lab, "partition")
    assert result.restored == ("partition.yaml",)
    starter = (lab.starter_dir / "partition.yaml").read_text()
    assert (folder / "partition.yaml").read_text() == starter
    assert (folder / "decision.md").read_text() == "my decision\n"  # other exercise untouched
    assert result.backup is not None
    assert result.backup.parent == folder / BACKUP_DIR
    assert (result.backup / "partition.yaml").read_text() == "services: {mine: [catalog]}\n"


def test_reset_everything_and_twice_in_a_second_keeps_both_backups(lab: Lab) -> None:
    folder = init_workspace(lab)
    (folder / "decision.md").write_text("first\n")
    first = reset(lab)
    (folder / "decision.md").write_text("second\n")
    second = reset(lab)
    assert set(first.restored) == {"partition.yaml", "decision.md"}
    assert first.backup != second.backup
    assert first.backup is not None
    assert second.backup is not None
    assert (first.backup / "decision.md").read_text() == "first\n"
    assert (second.backup / "decision.md").read_text() == "second\n"


def test_reset_restores_deleted_files_without_a_backup(lab: Lab) -> None:
    folder = init_workspace(lab)
    (folder / "decision.md").unlink()
    result = reset(lab, "decision")
    assert result.backup is None
    assert (folder / "decision.md").is_file()


def test_reset_of_an_unknown_exercise_lists_the_real_ones(lab: Lab) -> None:
    init_workspace(lab)
    with pytest.raises(WorkspaceError, match="no exercise 'nope'") as info:
        reset(lab, "nope")
    assert info.value.hint == "exercises: partition, decision"
