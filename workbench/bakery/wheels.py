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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from workbench import paths
from workbench.bakery.build import BakeError
from workbench.bakery.hashing import ContentHash
from workbench.bakery.locks import image_lock
from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.bakery.root import PythonTarget

TOP_LEVEL = ("fastapi", "uvicorn[standard]", "httpx", "nats-py")
"""What a lab service may import, besides the standard library and the service kit."""

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class _Installed:
    version: str
    dist_info: Path


@cache
def _installed() -> dict[str, _Installed]:
    """Installed distributions by canonical name, from the dist-info folder names alone.

    importlib.metadata parses every METADATA file as an e-mail message: half a second for the
    closure below, which a no-op bake cannot afford. Folder names already carry the versions.
    """
    found: dict[str, _Installed] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for dist_info in folder.glob("*.dist-info"):
            name, _, version = dist_info.name[: -len(".dist-info")].partition("-")
            found.setdefault(_canonical(name), _Installed(version, dist_info))
    return found


_EXTRA_MARKER = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


def _requires(dist_info: Path, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """(name, extras) this distribution requires with `extras` asked for, from the METADATA
    headers (they end at the first blank line). Only `extra ==` markers are honoured."""
    found = []
    try:
        with (dist_info / "METADATA").open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    break
                if not line.startswith("Requires-Dist:"):
                    continue
                spec = line[len("Requires-Dist:") :]
                extra = _EXTRA_MARKER.search(spec.partition(";")[2])
                if extra and _canonical(extra.group(1)) not in extras:
                    continue
                match = _NAME.match(spec)
                if match:
                    found.append((match.group(1), _extras(match.group(2))))
    except OSError:
        pass
    return found


def _extras(bracket: str | None) -> frozenset[str]:
    return frozenset(_canonical(e) for e in (bracket or "").strip("[]").split(",") if e.strip())


def requirements() -> list[str]:
    """The top-level requirements, pinned to the host's installed versions when there are any."""
    pinned = []
    for spec in TOP_LEVEL:
        match = _NAME.match(spec)
        assert match is not None
        name, extras = match.group(1), match.group(2) or ""
        installed = _installed().get(_canonical(name))
        pinned.append(f"{name}{extras}=={installed.version}" if installed else spec)
    return pinned


def constraints() -> list[str]:
    """Pins for every installed package the top level can pull in.

    Python-version and platform markers are ignored on purpose (the root's Python may differ from
    the host's, and a pin pip ends up not needing is harmless in a constraints file); extras are
    followed only where asked for, so the host's test tools do not become inputs of the base.
    """
    seen: dict[str, str] = {}
    expanded: set[tuple[str, frozenset[str]]] = set()
    queue = []
    for spec in TOP_LEVEL:
        match = _NAME.match(spec)
        assert match is not None
        queue.append((match.group(1), _extras(match.group(2))))
    while queue:
        raw, extras = queue.pop()
        name = _canonical(raw)
        installed = _installed().get(name)
        if installed is None or (name, extras) in expanded:
            continue
        expanded.add((name, extras))
        seen[name] = installed.version
        queue.extend(_requires(installed.dist_info, extras))
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
