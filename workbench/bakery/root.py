"""The root image: a Python the base is built on.

The configured image (`WORKBENCH_ROOT_IMAGE`, default the official `python:3.11-slim`) when the
engine has it or can pull it; otherwise, offline, a Debian root made here with `debootstrap
--variant=minbase` from the host's own apt mirror and loaded with `docker import`. The root
filesystem tarball is cached, so the slow part (about a minute) happens once per machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import docker
from docker.errors import DockerException

from workbench import paths
from workbench.bakery.build import BakeError
from workbench.bakery.hashing import ContentHash
from workbench.bakery.locks import image_lock
from workbench.bakery.progress import BakeCallback, BakeEvent, BakePhase
from workbench.bakery.sources import debian_mirror
from workbench.bakery.tags import repository
from workbench.dockerengine.images import find_image
from workbench.dockerengine.labels import ImageKind, as_label_lines, image_labels
from workbench.errors import WorkbenchError

ROOT_ENV = "WORKBENCH_ROOT_IMAGE"
DEFAULT_ROOT = "python:3.11-slim"
OFFLINE = "offline"
"""WORKBENCH_ROOT_IMAGE=offline skips the configured image and always uses the Debian root."""
SUITE_ENV = "WORKBENCH_ROOT_SUITE"
DEFAULT_SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "ca-certificates")
TRIM = (
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
)
"""Folders emptied in the offline root: package caches and docs nobody reads in a container."""

PROBE = (
    "import json, platform, sys; "
    "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], "
    "'libc': '-'.join(platform.libc_ver()), 'machine': platform.machine()}))"
)


@dataclass(frozen=True)
class PythonTarget:
    """The interpreter inside the root: what host-side `pip download` must fetch wheels for."""

    version: str
    """'3.11'"""
    libc: str
    """'glibc-2.36'"""
    machine: str
    """'x86_64'"""

    @property
    def platform(self) -> str:
        """The newest manylinux tag the root can run, e.g. manylinux_2_36_x86_64."""
        major, minor = self._glibc()
        return f"manylinux_{major}_{minor}_{self.machine}"

    @property
    def platforms(self) -> list[str]:
        """Every manylinux tag the root can run, newest first, legacy aliases included.

        Recent pip no longer widens one `--platform` to the older glibc tags, and most wheels
        are tagged manylinux2014 / manylinux_2_17, so `pip download` is given each one.
        """
        major, minor = self._glibc()
        tags = [f"manylinux_{major}_{m}_{self.machine}" for m in range(minor, 4, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        tags += [f"{name}_{self.machine}" for m, name in legacy.items() if m <= minor]
        return tags

    def _glibc(self) -> tuple[int, int]:
        name, _, version = self.libc.partition("-")
        parts = version.split(".")
        if name != "glibc" or len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
            raise WorkbenchError(
                f"the root image's Python runs on {self.libc or 'an unknown libc'}, "
                "but the bakery only fetches manylinux (glibc) wheels",
                f"set {ROOT_ENV} to a Debian- or Ubuntu-based Python image",
            )
        return int(parts[0]), int(parts[1])


@dataclass(frozen=True)
class RootImage:
    name: str
    """Tag the base is built FROM."""
    image_id: str
    python: PythonTarget
    built: bool = False
    """Made (debootstrap + import) or pulled by this call, rather than found."""


def configured_root() -> str:
    return os.environ.get(ROOT_ENV, "").strip() or DEFAULT_ROOT


def offline_tag() -> str:
    """Tag of the Debian root: a hash of its recipe, so changing the recipe makes a new one."""
    suite = os.environ.get(SUITE_ENV, "").strip() or DEFAULT_SUITE
    recipe = ContentHash("root").text("suite", suite).text("arch", _dpkg_arch())
    recipe.text("variant", "minbase").text("packages", ",".join(PACKAGES))
    recipe.text("trim", ",".join(TRIM))
    return f"{repository()}/root:{suite}-{recipe.tag}"


def ensure_root(client: docker.DockerClient, on_progress: BakeCallback) -> RootImage:
    """The root image to build on, making the offline one if nothing else is there."""
    configured = configured_root()
    offline = offline_tag()
    if configured != OFFLINE:
        image = find_image(client, configured)
        if image is not None:
            on_progress(BakeEvent("root", BakePhase.CACHED, configured))
            return RootImage(configured, str(image.id), probe_python(client, str(image.id)))
    image = find_image(client, offline)
    if image is not None:  # the common case, without waiting on any lock
        on_progress(BakeEvent("root", BakePhase.CACHED, offline))
        return RootImage(offline, str(image.id), probe_python(client, str(image.id)))
    with image_lock(offline):
        image = find_image(client, offline)
        if image is None and configured != OFFLINE and _pull(client, configured, on_progress):
            image = find_image(client, configured)
            if image is not None:
                on_progress(BakeEvent("root", BakePhase.BUILT, configured, detail="pulled"))
                probe = probe_python(client, str(image.id))
                return RootImage(configured, str(image.id), probe, built=True)
        built = image is None
        if image is None:
            on_progress(BakeEvent("root", BakePhase.STARTED, offline, detail="offline Debian root"))
            image_id = build_offline_root(client, offline, on_progress)
            on_progress(BakeEvent("root", BakePhase.BUILT, offline))
        else:
            image_id = str(image.id)
            on_progress(BakeEvent("root", BakePhase.CACHED, offline))
    return RootImage(offline, image_id, probe_python(client, image_id), built=built)


def _pull(client: docker.DockerClient, name: str, on_progress: BakeCallback) -> bool:
    on_progress(BakeEvent("root", BakePhase.STEP, name, step=0, total=3, detail=f"pull {name}"))
    try:
        client.images.pull(name)
    except DockerException:
        return False  # no registry (offline, air-gapped): fall back to the Debian root
    return True


def build_offline_root(client: docker.DockerClient, tag: str, on_progress: BakeCallback) -> str:
    """debootstrap (or the cached tarball) → `docker import`; returns the image id."""
    tarball = paths.cache_dir() / "root" / (tag.rsplit(":", 1)[1] + ".tar")
    if not tarball.is_file():
        _bootstrap_tarball(tarball, on_progress)
    on_progress(BakeEvent("root", BakePhase.STEP, tag, step=3, total=3, detail="docker import"))
    repository, _, version = tag.rpartition(":")
    changes = [
        *as_label_lines(image_labels(ImageKind.ROOT, version)),
        "ENV LANG=C.UTF-8",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        'CMD ["python3"]',
    ]
    try:
        client.api.import_image_from_file(str(tarball), repository, version, changes)
    except DockerException as exc:
        raise BakeError(f"`docker import` of {tarball} failed: {exc}") from exc
    image = find_image(client, tag)
    if image is None:
        raise BakeError(f"`docker import` of {tarball} made no image {tag}")
    return str(image.id)


def _bootstrap_tarball(tarball: Path, on_progress: BakeCallback) -> None:
    if shutil.which("debootstrap") is None:
        raise WorkbenchError(
            "no root image, no registry to pull one from, and no `debootstrap` to build one",
            "install it (`sudo apt-get install debootstrap`), or `docker load` a Python image "
            f"and set {ROOT_ENV} to it",
        )
    if os.geteuid() != 0:
        raise WorkbenchError(
            "building the offline root image with debootstrap needs root (once per machine)",
            f"run `sudo {shutil.which('workbench') or 'workbench'} bake` once, or set {ROOT_ENV} "
            "to a Python image you have",
        )
    suite = os.environ.get(SUITE_ENV, "").strip() or DEFAULT_SUITE
    source = debian_mirror(suite)
    tarball.parent.mkdir(parents=True, exist_ok=True)
    for leftover in tarball.parent.glob("rootfs-*"):  # from a bake killed half-way
        if not _alive(leftover.name.removeprefix("rootfs-")):
            _safe_remove(leftover)
    work = tarball.parent / f"rootfs-{os.getpid()}"
    _safe_remove(work)
    work.mkdir(parents=True)
    command = ["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}"]
    if source.signed_by and Path(source.signed_by).is_file():
        command.append(f"--keyring={source.signed_by}")
    command += [suite, str(work), source.uri]
    try:
        _run_reporting(command, tag=tarball.stem, on_progress=on_progress)
        for folder in TRIM:
            _empty(work / folder)
        on_progress(BakeEvent("root", BakePhase.STEP, step=2, total=3, detail="pack root fs"))
        partial = tarball.with_suffix(".tar.partial")
        subprocess.run(
            ["tar", "--numeric-owner", "--xattrs", "-C", str(work), "-cf", str(partial), "."],
            check=True,
            capture_output=True,
        )
        partial.replace(tarball)
    except subprocess.CalledProcessError as exc:
        raise BakeError(f"packing the root filesystem failed: {exc.stderr!r}") from exc
    finally:
        _safe_remove(work)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _mounts_below(folder: Path) -> list[str]:
    """Mount points at or under folder, deepest first (from /proc/mounts, octal escapes undone)."""
    real = os.path.realpath(folder)
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return []
    points = [
        re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), line.split()[1])
        for line in lines
        if len(line.split()) > 1
    ]
    return sorted((p for p in points if p == real or p.startswith(real + "/")), reverse=True)


def _safe_remove(folder: Path) -> None:
    """Remove a debootstrap target. A killed debootstrap can leave /proc, /sys or the host's /dev
    bind-mounted inside it, and deleting through those mounts would delete host files: unmount
    first, and refuse to delete while anything is still mounted there."""
    if not folder.exists():
        return
    for point in _mounts_below(folder):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    remaining = _mounts_below(folder)
    if remaining:
        raise BakeError(
            f"{folder} still has file systems mounted in it ({', '.join(remaining[:3])})",
            f"unmount them (`sudo umount -l ...`), then remove {folder}",
        )
    shutil.rmtree(folder, ignore_errors=True)


def _run_reporting(command: list[str], *, tag: str, on_progress: BakeCallback) -> None:
    """Run debootstrap, turning its `I: ...` lines into progress and keeping a tail for errors."""
    tail: list[str] = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail = [*tail[-20:], line.rstrip()]
            if line.startswith("I: "):
                on_progress(
                    BakeEvent(
                        "root", BakePhase.STEP, tag, step=1, total=3, detail=line[3:80].strip()
                    )
                )
    if proc.returncode != 0:
        raise BakeError(
            f"debootstrap failed (exit {proc.returncode}):\n    " + "\n    ".join(tail[-12:]),
            f"check the mirror ({command[-1]}) answers, or set WORKBENCH_DEBIAN_MIRROR",
        )


def _empty(folder: Path) -> None:
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def probe_python(client: docker.DockerClient, image_id: str) -> PythonTarget:
    """Ask the root's python3 what it is (once per image id; the answer is cached on disk)."""
    cache = paths.cache_dir() / "probes" / (image_id.replace("sha256:", "") + ".json")
    if cache.is_file():
        return PythonTarget(**json.loads(cache.read_text()))
    try:
        output = client.containers.run(
            image_id,
            ["python3", "-c", PROBE],
            network_mode="none",
            remove=True,
            entrypoint=[],
            user="0",
        )
        target = PythonTarget(**json.loads(output.decode().strip().splitlines()[-1]))
    except (DockerException, ValueError, TypeError) as exc:
        raise BakeError(
            f"the root image {image_id[:19]} has no working `python3` ({exc})",
            f"set {ROOT_ENV} to an image with Python 3.11 or newer",
        ) from exc
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(asdict(target)))
    return target


def _dpkg_arch() -> str:
    try:
        return subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.uname().machine
