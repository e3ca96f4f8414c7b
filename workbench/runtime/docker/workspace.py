"""Checking that the services in their containers can read the learner's bind-mounted workspace."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.runtime.docker import specs


def check_readable(workspace: Path, limit: int = 5000) -> None:
    """The services read the bind-mounted workspace as uid 10001: it must be readable by others.

    A learner with `umask 077` would otherwise see "module not found" for a file that is there.
    """
    if os.getuid() == specs.SERVICE_UID:
        return
    unreadable: list[Path] = []
    for count, path in enumerate([workspace, *workspace.rglob("*")]):
        if count >= limit or len(unreadable) >= 5:
            break
        if any(part.startswith(".") for part in path.relative_to(workspace).parts):
            continue  # .git, .venv, editor files: not read by the services
        mode = path.stat().st_mode
        needed = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
        if mode & needed != needed:
            unreadable.append(path)
    if unreadable:
        shown = ", ".join(str(p) for p in unreadable)
        raise WorkbenchError(
            f"the services (user 10001 in their containers) cannot read {shown}",
            f"make the workspace readable: `chmod -R o+rX {workspace}` (or use `--runtime local`)",
        )
