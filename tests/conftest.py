"""Shared test set-up: every test gets its own state, cache-free labs path and workspace home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURE_LABS = Path(__file__).parent / "fixtures" / "labs"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs, progress and workspaces of a test never touch the user's real state folders."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("WORKBENCH_STATE_DIR", str(state))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path_factory.mktemp("home")))
    return state


@pytest.fixture
def fixture_labs(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the catalog at the fixture labs (the shop lab and friends)."""
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(FIXTURE_LABS))
    return FIXTURE_LABS


def docker_required() -> bool:
    return os.environ.get("WORKBENCH_REQUIRE_DOCKER") == "1"
