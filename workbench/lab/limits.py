"""What a lab may declare and how big the files the workbench reads from it may be.

A lab is read before anyone has looked at it (every lab on WORKBENCH_LABS_PATH is listed), so
reading one must stay cheap whatever it holds: files are measured before they are read, YAML
aliases may not expand a small file into a huge document, and each section has a ceiling far
above what a teaching lab needs. Lab authors who hit one get a message naming the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

KIB = 1024


@dataclass(frozen=True)
class Limits:
    lab_file_bytes: int = 256 * KIB
    """lab.yaml (the shipped saga lab is under 6 KiB)."""
    page_bytes: int = 1024 * KIB
    """Markdown pages the workbench shows: exercise instructions, the theory page, patterns."""
    yaml_nodes: int = 50_000
    """Values in lab.yaml once YAML aliases (`*name`) are expanded."""
    yaml_depth: int = 40
    """How deeply lab.yaml may nest mappings and lists."""
    lab_files: int = 10_000
    """Files and folders under starter/, solution/, checks/ and mutants/ (walked to validate)."""
    sections: tuple[tuple[str, int], ...] = (
        ("services", 100),
        ("links", 1_000),
        ("exercises", 100),
        ("faults", 200),
        ("patterns", 50),
    )
    """Items each list of lab.yaml may hold."""


DEFAULT_LIMITS = Limits()


def size_text(size: int) -> str:
    """1536 -> '1.5 KiB'; sizes in messages, in the unit a person reads."""
    if size < KIB:
        return f"{size} bytes"
    if size < KIB * KIB:
        return f"{size / KIB:.1f} KiB".replace(".0 ", " ")
    return f"{size / KIB / KIB:.1f} MiB".replace(".0 ", " ")


def too_big(path: Path, limit: int) -> str | None:
    """Why `path` is too big to read (its size against the limit), or None when it fits."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if size <= limit:
        return None
    return f"is {size_text(size)}; the workbench reads at most {size_text(limit)}"


def read_bounded(path: Path, limit: int) -> str:
    """The text of `path`, reading at most `limit` bytes (ValueError when there is more).

    Measures what is read, not what `stat` says, so a file that grows or a special file
    (a FIFO, /dev/zero behind a symlink) cannot make the workbench read without end.
    """
    if not path.is_file():
        raise ValueError("is not a regular file")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is larger than {size_text(limit)}, the most the workbench reads")
    return data.decode("utf-8")
