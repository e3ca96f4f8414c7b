"""TUI test set-up: the fixture labs, a workspace made in advance (no path in a notification),
and helpers to wait for the app without sleeping blindly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_support import wait_for

FIXTURE_LABS = Path(__file__).resolve().parent.parent / "fixtures" / "labs"
COURSE_LABS = Path(__file__).resolve().parents[2] / "labs"


@pytest.fixture
def tui_labs(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture labs (shop, design-mini) are the lab list; textual animations are off."""
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(FIXTURE_LABS))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return FIXTURE_LABS


@pytest.fixture
def course_labs(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The course's labs (labs/) are the lab list; textual animations are off."""
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(COURSE_LABS))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    return COURSE_LABS


@pytest.fixture
def shop_workspace(tui_labs: Path) -> Path:
    """The shop lab's workspace, made before the app opens the lab."""
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    return init_workspace(find_lab("shop"))


@pytest.fixture
def wait_until() -> Callable[..., object]:
    """`await wait_until(pilot, predicate, within=.., what=..)`: see `wait_for`."""
    return wait_for
