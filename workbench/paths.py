"""Where the workbench finds labs and keeps its state (XDG base directories)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
LAB_FILE = "lab.yaml"
"""The file that makes a folder a lab."""
SHIPPED_DIR = "_shipped"
"""Where a built wheel carries the repository's labs/ and catalog/ inside the package (setup.py)."""


def content_dir() -> Path:
    """The folder holding the shipped `labs/` and `catalog/`.

    In a clone (and an editable install) they are the repository's own folders beside the code;
    an installed wheel carries them inside the package, found through importlib.resources. They
    are read-only for the workbench: workspaces, state and caches live in the XDG folders below.
    """
    if (REPO_DIR / "labs").is_dir() and (REPO_DIR / "pyproject.toml").is_file():
        return REPO_DIR
    packaged = resources.files("workbench") / SHIPPED_DIR
    # A wheel installed by pip, pipx or uv is unpacked, so this is a real folder; a zipped
    # package would not be, and has no labs a runtime could use.
    return packaged if isinstance(packaged, Path) else PACKAGE_DIR / SHIPPED_DIR


def shipped_labs_dir() -> Path:
    return content_dir() / "labs"


def labs_dirs() -> list[Path]:
    """Folders searched for labs: the shipped labs, or WORKBENCH_LABS_PATH when it is set.

    WORKBENCH_LABS_PATH is os.pathsep-separated and replaces the shipped labs (tests and lab
    authors see only their own); an empty entry stands for the shipped labs, as in MANPATH, so
    `WORKBENCH_LABS_PATH=~/my-labs:` adds a folder to them.
    """
    env = os.environ.get("WORKBENCH_LABS_PATH")
    if not env:
        return [shipped_labs_dir()]
    folders: list[Path] = []
    for entry in env.split(os.pathsep):
        folder = Path(entry).expanduser() if entry else shipped_labs_dir()
        if folder not in folders:
            folders.append(folder)
    return folders


def catalog_dir() -> Path:
    """The pattern catalog: WORKBENCH_CATALOG_DIR (a course's own pages), else the shipped one."""
    env = os.environ.get("WORKBENCH_CATALOG_DIR")
    return Path(env).expanduser() if env else content_dir() / "catalog"


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


WORKSPACES_FOLDER = "workbench-labs"
"""The default workspaces folder in the home folder. Not `workbench`: a folder of that name in the
current directory shadows the `workbench` package for `python -m workbench` (it is found first, as
a namespace package); a name with a hyphen can never be imported, so it never shadows anything."""
LEGACY_WORKSPACES_FOLDER = "workbench"
"""The default before 0.1.1: workspaces there are still found (`legacy_workspaces_dir`)."""


def workspaces_dir() -> Path:
    """Default home of learner workspaces: WORKBENCH_HOME or ~/workbench-labs (visible)."""
    env = os.environ.get("WORKBENCH_HOME")
    if env:
        return Path(env).expanduser()
    return Path.home() / WORKSPACES_FOLDER


def legacy_workspaces_dir() -> Path | None:
    """The old default (~/workbench) when WORKBENCH_HOME does not name another one."""
    if os.environ.get("WORKBENCH_HOME"):
        return None
    return Path.home() / LEGACY_WORKSPACES_FOLDER
