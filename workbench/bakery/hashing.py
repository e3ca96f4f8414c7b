"""Content hashes of image inputs: the tag of an image is the hash of everything that made it.

Every input is fed with a kind and a length prefix, so two different sets of inputs can never
produce the same byte stream (a file named "a" with text "bc" differs from "ab" with "c").
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from workbench import paths

TAG_LENGTH = 12
"""Hex digits of the digest used in tags: short to read, long enough never to collide here."""

IGNORED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git"})
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
IGNORED_NAMES = frozenset({".DS_Store"})


def tree_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Files under root as (posix relative path, path), sorted, without caches and editor litter."""
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS]
        for name in filenames:
            if name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES):
                continue
            path = Path(dirpath) / name
            found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


class ContentHash:
    """Accumulates the inputs of one image; `tag` is the short form used in image tags."""

    def __init__(self, kind: str) -> None:
        self._sha = hashlib.sha256()
        self.text("kind", kind)

    def _field(self, kind: bytes, name: str, data: bytes) -> None:
        encoded = name.encode()
        self._sha.update(kind + len(encoded).to_bytes(4, "big") + encoded)
        self._sha.update(len(data).to_bytes(8, "big"))
        self._sha.update(data)

    def text(self, name: str, value: str) -> ContentHash:
        self._field(b"T", name, value.encode())
        return self

    def file(self, name: str, path: Path) -> ContentHash:
        """A file's bytes and whether it is executable (a mode change changes the image)."""
        executable = b"x" if os.access(path, os.X_OK) else b"-"
        self._field(b"F", name, executable + path.read_bytes())
        return self

    def tree(self, name: str, root: Path) -> ContentHash:
        """Every file below root, by relative path (an added, removed or renamed file counts)."""
        count = 0
        for rel, path in tree_files(root):
            self.file(f"{name}/{rel}", path)
            count += 1
        self.text(f"{name}#files", str(count))
        return self

    def big_file(self, name: str, path: Path) -> ContentHash:
        """A large file that rarely changes (the nats-server binary): its sha256 is remembered
        by path, size and mtime, so a no-op bake does not re-read 18 MB every time."""
        self._field(b"B", name, stored_file_digest(path).encode())
        return self

    @property
    def digest(self) -> str:
        return self._sha.hexdigest()

    @property
    def tag(self) -> str:
        return self.digest[:TAG_LENGTH]


def stored_file_digest(path: Path) -> str:
    """sha256 of a file, remembered under the cache dir keyed by its path, size and mtime."""
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    memo = paths.cache_dir() / "digests" / key
    try:
        return memo.read_text().strip()
    except OSError:
        pass
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(sha.hexdigest())
    return sha.hexdigest()
