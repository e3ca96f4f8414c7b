"""Unified diffs, read and applied strictly, in Python (for mutants: patches against `solution/`).

No `patch` or `git` binary is needed (an author's or a learner's machine may lack both). The
applier is strict: every context and removed line must match the file exactly (no fuzz, no
whitespace leniency, end-of-file newlines included). A hunk may start at another line than its
header says only when lines were added or removed above it (an offset, as `git apply` allows);
then the nearest exact match wins. Paths are relative to the folder the patch applies to: an
absolute path, a `..` or a symlink leading out of it is refused. Renames and binary diffs are not
supported.

Lines before the first `--- FILE` / `+++ FILE` pair are the patch's header (diff tools ignore
them); `Patch.header` keeps them for the caller. Errors are `PatchError`s whose message names the
file and the hunk, with `line` the line of the patch they are about.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NO_NEWLINE = "\\ No newline at end of file"
DEV_NULL = "/dev/null"


class PatchError(Exception):
    """A patch that cannot be read or applied; `line` is the line of the patch it is about."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_count: int
    new_start: int
    new_count: int
    lines: tuple[str, ...]
    """The hunk's body: each line starts with ' ', '-' or '+' (no line end)."""
    line: int
    """Line of its `@@` header in the patch (1-based)."""
    old_ends_without_newline: bool = False
    new_ends_without_newline: bool = False

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_count} +{self.new_start},{self.new_count} @@"

    @property
    def before(self) -> list[str]:
        return [ln[1:] for ln in self.lines if ln[0] in " -"]

    @property
    def after(self) -> list[str]:
        return [ln[1:] for ln in self.lines if ln[0] in " +"]


@dataclass(frozen=True)
class FilePatch:
    path: str
    """Relative to the folder the patch applies to (POSIX separators)."""
    hunks: tuple[Hunk, ...]
    line: int
    """Line of its `---` header in the patch."""
    creates: bool = False
    deletes: bool = False


@dataclass(frozen=True)
class Patch:
    header: str
    """The text before the first `--- FILE` line."""
    files: tuple[FilePatch, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.path for f in self.files))


# ---- reading ---------------------------------------------------------------------------------


def parse_patch(text: str) -> Patch:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")
        ),
        None,
    )
    if start is None:
        raise PatchError(
            "no file in the patch: expected a line `--- FILE` followed by `+++ FILE` "
            "(a unified diff, as `diff -u` writes it)"
        )
    header = "\n".join(lines[:start])
    files: list[FilePatch] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- "):
            file_patch, i = _parse_file(lines, i)
            files.append(file_patch)
        elif not line.strip() or line.startswith(("diff ", "index ")):
            i += 1  # blank lines and `diff`/`index` lines between files carry nothing
        else:
            raise PatchError(
                f"unexpected line between files: {line!r} (expected `--- FILE` or `@@`)", i + 1
            )
    return Patch(header, tuple(files))


def _parse_file(lines: list[str], i: int) -> tuple[FilePatch, int]:
    at = i + 1
    if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
        raise PatchError("a `--- FILE` line must be followed by `+++ FILE`", at)
    old = _path(lines[i][4:], at)
    new = _path(lines[i + 1][4:], at + 1)
    if old is None and new is None:
        raise PatchError("both sides are /dev/null: the patch names no file", at)
    if old is not None and new is not None and old != new:
        hint = (
            " (write paths relative to the folder the patch applies to, without git's a/ and b/)"
            if old.startswith("a/") and new.startswith("b/")
            else " (renames are not supported)"
        )
        raise PatchError(f"`--- {old}` and `+++ {new}` name different files{hint}", at)
    path = old or new
    assert path is not None
    i += 2
    hunks: list[Hunk] = []
    while i < len(lines) and lines[i].startswith("@@"):
        hunk, i = _parse_hunk(lines, i, path)
        hunks.append(hunk)
    if not hunks:
        raise PatchError(f"{path}: no hunk (expected a line `@@ -L,N +L,N @@`)", at)
    creates, deletes = old is None, new is None
    if (creates or deletes) and (len(hunks) != 1):
        raise PatchError(f"{path}: a file created or deleted takes exactly one hunk", at)
    return FilePatch(path, tuple(hunks), at, creates=creates, deletes=deletes), i


def _path(text: str, line: int) -> str | None:
    name = text.split("\t", 1)[0].rstrip()  # `diff -u` may add a tab and a timestamp
    if name == DEV_NULL:
        return None
    pure = PurePosixPath(name)
    if not name or name.startswith("/") or "\\" in name or ".." in pure.parts:
        raise PatchError(
            f"path {name!r} must be relative to the folder the patch applies to, "
            "without `..` (a patch may not reach outside it)",
            line,
        )
    return pure.as_posix()


def _parse_hunk(lines: list[str], i: int, path: str) -> tuple[Hunk, int]:
    at = i + 1
    match = _HUNK.match(lines[i])
    if match is None:
        raise PatchError(f"{path}: malformed hunk header {lines[i]!r}", at)
    old_start, new_start = int(match.group(1)), int(match.group(3))
    old_count = int(match.group(2)) if match.group(2) is not None else 1
    new_count = int(match.group(4)) if match.group(4) is not None else 1
    body: list[str] = []
    old_seen = new_seen = 0
    old_eof = new_eof = False
    i += 1
    while old_seen < old_count or new_seen < new_count:
        if i >= len(lines) or lines[i].startswith("@@"):
            raise PatchError(
                f"{path}: hunk {lines[at - 1]} ends early: its header counts {old_count} old "
                f"and {new_count} new lines, its body has {old_seen} and {new_seen}",
                at,
            )
        line = lines[i] or " "  # an editor may strip the space of an empty context line
        kind = line[0]
        if kind == "\\":
            raise PatchError(f"{path}: `{NO_NEWLINE}` must follow a line", i + 1)
        if kind not in " -+":
            raise PatchError(
                f"{path}: unexpected line in a hunk: {line!r} (lines start with ' ', '-' or '+')",
                i + 1,
            )
        old_seen += kind in " -"
        new_seen += kind in " +"
        if old_seen > old_count or new_seen > new_count:
            raise PatchError(
                f"{path}: hunk {lines[at - 1]} has more lines than its header counts", i + 1
            )
        body.append(line)
        i += 1
        if i < len(lines) and lines[i].startswith("\\"):
            old_eof = old_eof or kind in " -"
            new_eof = new_eof or kind in " +"
            i += 1
    hunk = Hunk(old_start, old_count, new_start, new_count, tuple(body), at, old_eof, new_eof)
    return hunk, i


# ---- applying --------------------------------------------------------------------------------


Reader = Callable[[str], str | None]
"""Reads a file by its relative path: its text, or None when it does not exist."""


def apply_to_texts(patch: Patch, read: Reader) -> dict[str, str | None]:
    """The new text of every file the patch touches (None: deleted), without writing anything."""
    texts: dict[str, str | None] = {}
    for file_patch in patch.files:
        current = texts[file_patch.path] if file_patch.path in texts else read(file_patch.path)
        texts[file_patch.path] = apply_file(file_patch, current)
    return texts


def apply_patch(patch: Patch, root: Path) -> list[str]:
    """Apply `patch` to the files under `root`; every hunk must apply, or nothing is written.

    Returns the relative paths it changed.
    """
    texts = apply_to_texts(patch, lambda rel: read_under(root, rel))
    for rel, text in texts.items():
        target = inside(root, rel)
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    return list(texts)


def inside(root: Path, rel: str) -> Path:
    """`root / rel`, refusing a path that leads out of `root` (`..`, absolute, a symlink)."""
    base = root.resolve()
    target = (base / rel).resolve()
    if target != base and base not in target.parents:
        raise PatchError(f"{rel}: leads outside the folder the patch applies to")
    return base / rel


def read_under(root: Path, rel: str) -> str | None:
    """The text of `root / rel` exactly as stored (line ends kept), or None when it is absent."""
    target = inside(root, rel)
    if not target.exists():
        return None
    if not target.is_file():
        raise PatchError(f"{rel}: is not a file")
    try:
        return target.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise PatchError(f"{rel}: is not UTF-8 text (binary files cannot be patched)") from None


def apply_file(file_patch: FilePatch, text: str | None) -> str | None:
    """The new text of one file (None when the patch deletes it)."""
    path = file_patch.path
    if file_patch.creates:
        if text is not None:
            raise PatchError(f"{path}: the patch creates it, but it exists", file_patch.line)
        hunk = file_patch.hunks[0]
        return _join(hunk.after, not hunk.new_ends_without_newline)
    if text is None:
        raise PatchError(f"{path}: no such file to patch", file_patch.line)
    lines, newline_at_end = _split(text)
    offset = 0
    floor = 0  # hunks apply in order and may not overlap
    for number, hunk in enumerate(file_patch.hunks, 1):
        before = hunk.before
        # The header's start is the line before which to insert when there is no old line.
        expected = hunk.old_start - 1 + offset if hunk.old_count else hunk.old_start + offset
        at = _find(lines, hunk, expected, floor=floor, newline_at_end=newline_at_end)
        if at is None:
            raise PatchError(
                f"{path}: hunk {number} ({hunk.header}) does not apply: "
                + _mismatch(lines, before, max(expected, floor)),
                hunk.line,
            )
        end = at + len(before)
        if end == len(lines):
            newline_at_end = not hunk.new_ends_without_newline
        lines[at:end] = hunk.after
        offset = at - (hunk.old_start - 1 if hunk.old_count else hunk.old_start)
        offset += len(hunk.after) - len(before)
        floor = at + len(hunk.after)
    if file_patch.deletes:
        if lines:
            raise PatchError(
                f"{path}: the patch deletes it, but it has more lines than the patch removes",
                file_patch.line,
            )
        return None
    return _join(lines, newline_at_end)


def _find(
    lines: list[str], hunk: Hunk, expected: int, *, floor: int, newline_at_end: bool
) -> int | None:
    """Where the hunk's old lines stand in the file: the exact match nearest to `expected`."""
    before = hunk.before
    last = len(lines) - len(before)
    if not before:  # a pure insertion (diff -U0): only where the header says
        return expected if floor <= expected <= len(lines) else None
    candidates = sorted(range(floor, last + 1), key=lambda at: (abs(at - expected), at))
    for at in candidates:
        if lines[at : at + len(before)] != before:
            continue
        at_end = at + len(before) == len(lines)
        if hunk.old_ends_without_newline and not (at_end and not newline_at_end):
            continue  # the patch says the file ends here without a newline: it must
        if at_end and not newline_at_end and not hunk.old_ends_without_newline:
            continue
        return at
    return None


def _mismatch(lines: list[str], before: list[str], at: int) -> str:
    """What differs at the expected place, for the author."""
    for k, want in enumerate(before):
        n = at + k
        if n >= len(lines):
            return (
                f"the file ends at line {len(lines)}, the patch expects line {n + 1} to be {want!r}"
            )
        if lines[n] != want:
            return (
                f"line {n + 1} is {lines[n]!r}, the patch expects {want!r} "
                "(and the hunk's lines are found nowhere else)"
            )
    return "the end of file differs (a newline at the end of the file)"


def _split(text: str) -> tuple[list[str], bool]:
    if not text:
        return [], True
    if text.endswith("\n"):
        return text[:-1].split("\n"), True
    return text.split("\n"), False


def _join(lines: list[str], newline_at_end: bool) -> str:
    if not lines:
        return ""
    return "\n".join(lines) + ("\n" if newline_at_end else "")


# ---- writing ---------------------------------------------------------------------------------


def make_patch(header: str, changes: Mapping[str, tuple[str | None, str | None]]) -> str:
    """A patch with `header` from {relative path: (old text or None, new text or None)}."""
    out = header.rstrip("\n") + "\n\n" if header.strip() else ""
    for rel, (old, new) in changes.items():
        diff = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile=rel if old is not None else DEV_NULL,
            tofile=rel if new is not None else DEV_NULL,
        )
        for line in diff:
            out += line if line.endswith("\n") else f"{line}\n{NO_NEWLINE}\n"
    return out
