"""Wheels for the base image, downloaded on the host for the root's Python and platform.

Pip inside a build would need the network (and this machine's certificate store, which containers
do not trust), so the host runs `pip download --only-binary=:all:` once into a cache folder and
the base build installs from there with `--no-index`. Versions are pinned to the ones installed
next to the workbench itself, so a service behaves the same in Docker as in the local runtime.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from workbench import paths
from workbench.bakery.engine import BakeError
from workbench.bakery.hashing import ContentHash
from workbench.bakery.locks import image_lock
from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.bakery.root import PythonTarget

TOP_LEVEL = ("fastapi", "uvicorn[standard]", "httpx", "nats-py")
"""What a lab service may import, besides the standard library and the service kit."""

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements() -> list[str]:
    """The top-level requirements, pinned to the host's installed versions when there are any."""
    pinned = []
    for spec in TOP_LEVEL:
        match = _NAME.match(spec)
        assert match is not None
        name, extras = match.group(1), match.group(2) or ""
        try:
            pinned.append(f"{name}{extras}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pinned.append(spec)
    return pinned


def constraints() -> list[str]:
    """Pins for every installed package the top level can pull in, whatever its markers say.

    Markers are ignored on purpose: the root's Python may differ from the host's, and a pin for a
    package pip ends up not needing is harmless in a constraints file.
    """
    seen: dict[str, str] = {}
    queue = [_NAME.match(spec).group(1) for spec in TOP_LEVEL]  # type: ignore[union-attr]
    while queue:
        name = _canonical(queue.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist.version
        for requirement in dist.requires or []:
            match = _NAME.match(requirement)
            if match:
                queue.append(match.group(1))
    return [f"{name}=={version}" for name, version in sorted(seen.items())]


def wheels_key(target: PythonTarget) -> str:
    digest = ContentHash("wheels").text("requirements", "\n".join(requirements()))
    digest.text("constraints", "\n".join(constraints()))
    digest.text("python", target.version).text("platform", target.platform)
    return digest.tag


def ensure_wheels(target: PythonTarget, on_progress: BakeCallback) -> Path:
    """A folder of wheels for `target` (downloaded once, then reused from the cache)."""
    key = wheels_key(target)
    folder = paths.cache_dir() / "wheels" / f"py{target.version}-{target.platform}-{key}"
    with image_lock(f"wheels-{key}"):
        if (folder / ".complete").is_file():
            return folder
        on_progress(
            BakeEvent("base", BakePhase.STEP, step=0, total=0, detail="pip download (host side)")
        )
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        (partial / "constraints.txt").write_text("\n".join(constraints()) + "\n")
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--python-version",
            target.version,
            *[f"--platform={platform}" for platform in target.platforms],
            "--implementation",
            "cp",
            "--dest",
            str(partial),
            "--constraint",
            str(partial / "constraints.txt"),
            *requirements(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            shutil.rmtree(partial, ignore_errors=True)
            tail = "\n    ".join(result.stderr.strip().splitlines()[-10:])
            raise BakeError(
                f"downloading wheels for Python {target.version} ({target.platform}) failed:\n"
                f"    {tail}",
                "the host needs PyPI (or a pip index configured for pip) once; afterwards the "
                f"wheels are cached under {folder.parent}",
            )
        (partial / ".complete").write_text("\n".join(requirements()) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    return folder
