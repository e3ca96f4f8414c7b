"""Where the workbench finds the shipped content and the learner's workspaces."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import FIXTURE_LABS, REPO

from workbench import paths
from workbench.lab.workspace import find_workspace


def test_in_a_clone_the_content_is_the_repository_s_folders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WORKBENCH_LABS_PATH", raising=False)
    assert paths.labs_dirs() == [REPO / "labs"]
    assert paths.catalog_dir() == REPO / "catalog"


def test_installed_the_content_is_inside_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No labs/ beside the code (site-packages): the package's _shipped/ folder, which a wheel
    carries (tests/integration/test_install_wheel.py builds and installs one)."""
    monkeypatch.setattr(paths, "REPO_DIR", tmp_path)
    content = paths.content_dir()
    assert content == Path(__file__).resolve().parents[2] / "workbench" / paths.SHIPPED_DIR
    assert paths.catalog_dir() == content / "catalog"


def test_an_empty_entry_of_the_labs_path_adds_the_shipped_labs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKBENCH_LABS_PATH", f"{FIXTURE_LABS}{os.pathsep}")
    assert paths.labs_dirs() == [FIXTURE_LABS, REPO / "labs"]
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(FIXTURE_LABS))
    assert paths.labs_dirs() == [FIXTURE_LABS]  # alone, it replaces them (tests rely on it)


def test_default_workspaces_folder_cannot_shadow_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("WORKBENCH_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.workspaces_dir() == tmp_path / "workbench-labs"
    assert not paths.workspaces_dir().name.isidentifier()  # never importable as a module


def test_a_workspace_under_the_old_default_is_still_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("WORKBENCH_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    old = tmp_path / "workbench" / "shop"
    old.mkdir(parents=True)
    assert find_workspace("shop") == old
    new = tmp_path / "workbench-labs" / "shop"
    new.mkdir(parents=True)
    assert find_workspace("shop") == new
