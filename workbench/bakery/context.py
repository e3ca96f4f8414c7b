"""Build contexts: a temporary folder with a Dockerfile and exactly the files the build needs."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench import paths
from workbench.bakery.hashing import tree_files


@contextmanager
def build_context(dockerfile: str) -> Iterator[Path]:
    """A fresh folder holding `Dockerfile`, removed afterwards (kept under the cache dir so
    hard links to cached wheels work: same file system)."""
    parent = paths.cache_dir() / "contexts"
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ctx-", dir=parent))
    try:
        (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def copy_tree(source: Path, target: Path) -> None:
    """Copy the files hashing counts (no caches, no editor litter), keeping the executable bit."""
    for rel, path in tree_files(source):
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link big cached files into a context (instant), copying across file systems."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
