"""A fast index of the lab folders for listing, cached by the folders' file signatures.

`workbench labs list` runs often and must answer in well under 0.3 s; reading every lab.yaml
with full validation costs pydantic and YAML imports on each call. The index keeps, per lab
folder, the summary a listing needs and the number of problems validation found, and reuses it
while no file of the folder has changed (names, sizes and modification times). A cache that cannot
be read or written is simply rebuilt: it is never the source of truth.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from workbench.paths import LAB_FILE, labs_dirs, state_dir

CACHE_FILE = "lab-index.json"
CACHE_VERSION = 2


@dataclass(frozen=True)
class LabSummary:
    path: str
    id: str
    title: str
    patterns: tuple[str, ...]
    difficulty: str
    minutes: int
    exercises: int
    problems: int
    """0 for a valid lab; otherwise how many problems `workbench labs validate` will show."""
    first_problem: str = ""
    """The first of them, as the lab list shows it (e.g. "lab.yaml expands too far ...")."""


def lab_folders() -> list[Path]:
    """Every lab folder under the labs directories (a directory may itself be a lab)."""
    folders: list[Path] = []
    for root in labs_dirs():
        if (root / LAB_FILE).is_file():
            folders.append(root)
        elif root.is_dir():
            folders.extend(sorted(p.parent for p in root.glob(f"*/{LAB_FILE}")))
    return folders


SIGNATURE_ENTRIES = 20_000
"""Files a signature looks at; a folder with more (validation refuses it) is never cached."""


def signature(folder: Path) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    entries = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        entries += len(dirnames) + len(filenames)
        if entries > SIGNATURE_ENTRIES:
            return f"uncached-{os.getpid()}-{time.monotonic_ns()}"
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            with contextlib.suppress(OSError):
                info = os.stat(os.path.join(dirpath, name))
                rel = os.path.relpath(os.path.join(dirpath, name), folder)
                digest.update(f"{rel}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def summaries() -> list[LabSummary]:
    """Summaries of every lab folder; only changed folders are read and validated again."""
    cache_path = state_dir() / CACHE_FILE
    cache = _read_cache(cache_path)
    fresh: dict[str, dict[str, object]] = {}
    result: list[LabSummary] = []
    for folder in lab_folders():
        key = str(folder.resolve())
        sig = signature(folder)
        cached = cache.get(key)
        if isinstance(cached, dict) and cached.get("signature") == sig:
            try:
                summary = _from_json(cached["summary"])
            except (KeyError, TypeError, ValueError):
                summary = summarize(folder)
        else:
            summary = summarize(folder)
        fresh[key] = {"signature": sig, "summary": asdict(summary)}
        result.append(summary)
    if fresh != cache:
        _write_cache(cache_path, fresh)
    return result


def summarize(folder: Path) -> LabSummary:
    from workbench.lab.loader import validate_lab_dir

    lab, problems = validate_lab_dir(folder)
    if lab is None or problems:
        first = problems[0].message if problems else "lab.yaml could not be read"
        return LabSummary(
            str(folder), folder.name, "", (), "", 0, 0, max(len(problems), 1), first
        )  # fmt: skip
    return LabSummary(
        str(folder), lab.id, lab.title, tuple(lab.patterns), lab.difficulty.value, lab.minutes,
        len(lab.exercises), 0,
    )  # fmt: skip


def _from_json(data: dict[str, object]) -> LabSummary:
    fields = dict(data)
    patterns = fields.get("patterns")
    fields["patterns"] = tuple(str(p) for p in patterns) if isinstance(patterns, list) else ()
    return LabSummary(**fields)  # type: ignore[arg-type]


def _read_cache(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    labs = data.get("labs")
    return labs if isinstance(labs, dict) else {}


def _write_cache(path: Path, labs: dict[str, dict[str, object]]) -> None:
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "labs": labs}), encoding="utf-8")
        tmp.replace(path)
