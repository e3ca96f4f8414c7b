"""Where the workbench finds labs and keeps its state (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
LAB_FILE = "lab.yaml"
"""The file that makes a folder a lab."""


def labs_dirs() -> list[Path]:
    """Folders searched for labs: WORKBENCH_LABS_PATH (os.pathsep-separated), else labs/."""
    env = os.environ.get("WORKBENCH_LABS_PATH")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [REPO_DIR / "labs"]


def catalog_dir() -> Path:
    return REPO_DIR / "catalog"


def state_dir() -> Path:
    """Run folders, progress and logs: WORKBENCH_STATE_DIR, else $XDG_STATE_HOME/workbench."""
    env = os.environ.get("WORKBENCH_STATE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "workbench"


def runs_dir() -> Path:
    return state_dir() / "runs"


def cache_dir() -> Path:
    """Downloaded wheels and the offline root filesystem: WORKBENCH_CACHE_DIR or XDG cache."""
    env = os.environ.get("WORKBENCH_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "workbench"


def workspaces_dir() -> Path:
    """Default home of learner workspaces: WORKBENCH_HOME or ~/workbench (visible, easy to open)."""
    env = os.environ.get("WORKBENCH_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / "workbench"
