"""Which views file is live, and swapping in a rebuilt one.

The views live in `DATA_DIR/views/views-<n>.db`; the file `current` names the live one, so a
restarted service opens the store it was serving. A rebuild fills the next file while the live
one keeps answering, then `swap` makes it live in one rename (the old file is then removed).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from view_blocks import ViewDb


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "views"
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pointer = self.folder / "current"
        name = self._pointer.read_text().strip() if self._pointer.exists() else "views-1.db"
        self.db = ViewDb(self.folder / name)
        self._point_at(self.db.path)

    def fresh(self) -> ViewDb:
        """An empty store next to the live one (left-overs of a failed rebuild are dropped)."""
        number = int(self.db.path.stem.rsplit("-", 1)[-1]) + 1
        path = self.folder / f"views-{number}.db"
        _remove(path)
        return ViewDb(path, fast=True)

    def swap(self, fresh: ViewDb) -> None:
        """Make `fresh` the live store; the old one is closed and deleted."""
        # The rebuilt file was written without syncing; make it durable before it goes live.
        fresh.execute("PRAGMA synchronous=NORMAL")
        fresh.query("PRAGMA wal_checkpoint(FULL)")
        self._point_at(fresh.path)
        old, self.db = self.db, fresh
        old.close()
        _remove(old.path)

    def discard(self, fresh: ViewDb) -> None:
        fresh.close()
        _remove(fresh.path)

    def _point_at(self, path: Path) -> None:
        tmp = self._pointer.with_suffix(".tmp")
        tmp.write_text(path.name)
        os.replace(tmp, self._pointer)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
