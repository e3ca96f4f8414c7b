"""Reviewed harmless survivors: `mutants/EQUIVALENT.md`, one entry per generated mutant.

An entry is a Markdown list item: the mutant's fingerprint in backticks, the file and the
function it mutates (for the reader; the fingerprint alone identifies it), a colon, and why the
change is invisible to any user of the system:

    - `3f9a0c21be` checkout.py _retry: a longer first back-off only slows the retries; the
      deadline still bounds them, so no customer sees a difference.

A reason may continue on indented lines. Anything else in the file (a title, prose) is ignored.
An item that starts with a backticked word but is not a well-formed entry, an entry without a
reason, and a fingerprint no generated mutant has (stale: the code changed under it) are reported
as problems for the author, never errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FILENAME = "EQUIVALENT.md"
_ITEM = re.compile(r"^[-*]\s+`")
_ENTRY = re.compile(r"^[-*]\s+`([0-9a-f]{10})`\s+(\S+)\s+(\S+?)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Equivalent:
    fingerprint: str
    file: str
    function: str
    reason: str
    line: int


@dataclass(frozen=True)
class Equivalents:
    entries: dict[str, Equivalent]
    problems: list[str]

    def reason(self, fingerprint: str) -> str | None:
        entry = self.entries.get(fingerprint)
        return entry.reason if entry is not None else None

    def stale(self, known: set[str]) -> list[str]:
        """One sentence per entry whose fingerprint no generated mutant has."""
        return [
            f"{FILENAME}:{e.line}: `{e.fingerprint}` ({e.file} {e.function}) matches no "
            "generated mutant: the code changed; remove the entry or record the new fingerprint"
            for e in self.entries.values()
            if e.fingerprint not in known
        ]


def read_equivalents(mutants_dir: Path) -> Equivalents:
    path = mutants_dir / FILENAME
    if not path.is_file():
        return Equivalents({}, [])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Equivalents({}, [f"{FILENAME}: cannot read it: {exc}"])
    return parse_equivalents(text)


def parse_equivalents(text: str) -> Equivalents:
    entries: dict[str, Equivalent] = {}
    problems: list[str] = []
    current: tuple[int, re.Match[str]] | None = None
    reason_lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        line, match = current
        fp, file, function = match.group(1), match.group(2), match.group(3)
        reason = " ".join(part for part in [match.group(4).strip(), *reason_lines] if part)
        if not reason:
            problems.append(f"{FILENAME}:{line}: `{fp}` needs a reason after the colon")
        elif fp in entries:
            problems.append(f"{FILENAME}:{line}: `{fp}` is listed twice")
        else:
            entries[fp] = Equivalent(fp, file, function, reason, line)

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if current is not None and raw[:1] in (" ", "\t") and stripped:
            reason_lines.append(stripped)
            continue
        close()
        current, reason_lines = None, []
        if not _ITEM.match(stripped):
            continue
        match = _ENTRY.match(stripped)
        if match is None:
            problems.append(
                f"{FILENAME}:{number}: expected `- \\`<fingerprint>\\` <file> <function>: "
                f"<why no user can tell>`, got {stripped[:60]!r}"
            )
            continue
        current = (number, match)
    close()
    return Equivalents(entries, problems)
