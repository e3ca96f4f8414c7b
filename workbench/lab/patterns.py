"""One page of the pattern catalog: a small YAML header, then Markdown in a fixed order.

```
---
id: circuit-breaker            # the file name without .md
title: Circuit breaker
summary: One line, at most 160 characters.
related: [timeout, retry-with-backoff]
aliases: [outlier detection]   # words people search for
seeds: ["000", "001"]          # the course sources it draws on; [] for an addition
---
# Circuit breaker
## Problem
## Forces
## Solution
## Trade-offs
## When not to use
## Try it
## Sources
```

Reading a page never raises for what the page says: every problem (file, line, what is wrong)
is collected beside what could be read, so one bad page is reported and the others still show.
Checks that need the whole catalog (duplicates, related ids, labs) live in `catalog.py`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.lab.limits import DEFAULT_LIMITS, read_bounded
from workbench.lab.yamlmarks import YamlShapeError, YamlSyntaxError, load_with_lines
from workbench.paths import catalog_dir

SECTIONS = (
    "Problem",
    "Forces",
    "Solution",
    "Trade-offs",
    "When not to use",
    "Try it",
    "Sources",
)
"""The `## ` sections of a page, in the order every page keeps."""

HEADER_FIELDS = ("id", "title", "summary", "related", "aliases", "seeds")
REQUIRED_FIELDS = ("id", "title", "summary")
LIST_FIELDS = ("related", "aliases", "seeds")
SUMMARY_MAX = 160
"""A summary is one line of a listing: longer ones get cut on every screen that shows them."""

HEADER_NODES = 1_000
"""Values a page header may hold once aliases are expanded (a header has a handful)."""

FENCE = re.compile(r"^(```|~~~)")

Report = Callable[[int | None, str], None]


@dataclass(frozen=True)
class PageProblem:
    """What is wrong with a catalog page, and where (line 1-based; None for the whole file)."""

    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        return f"{where}: {self.message}"


class PageError(WorkbenchError):
    """A page that cannot be read at all (not even its header): the first problem found."""

    def __init__(self, problem: PageProblem) -> None:
        super().__init__(str(problem), "see catalog/README.md for the page format")
        self.problem = problem


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    summary: str
    related: tuple[str, ...]
    body: str
    """The Markdown page without its header."""
    path: Path
    aliases: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    sections: dict[str, str] = field(default_factory=dict, compare=False)
    """Text of each `## ` section by its title (without the heading line)."""
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    """1-based line in the file of each header field and of each section heading."""

    def words(self) -> int:
        """Words of the body outside code blocks (what a reader reads)."""
        return len(_prose(self.body).split())


@dataclass(frozen=True)
class PageReading:
    """A page as far as it could be read (None when its header is unreadable), and its problems."""

    path: Path
    pattern: Pattern | None
    problems: tuple[PageProblem, ...]


def read_page(path: Path) -> PageReading:
    """Read and check one page on its own; never raises."""
    problems: list[PageProblem] = []

    def problem(line: int | None, message: str) -> None:
        problems.append(PageProblem(path, line, message))

    try:
        text = read_bounded(path, DEFAULT_LIMITS.page_bytes)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        problem(None, f"cannot read the page: {_reason(exc)}")
        return PageReading(path, None, tuple(problems))
    text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        problem(1, "no header: a page starts with a line '---', then id, title and summary")
        return PageReading(path, None, tuple(problems))
    end = text.find("\n---\n", 3)
    if end < 0 and text.endswith("\n---"):
        end = len(text) - 4
    if end < 0:
        problem(1, "the header is not closed: end it with a line '---'")
        return PageReading(path, None, tuple(problems))
    header_text = text[4 : end + 1]
    for number, line in enumerate(header_text.split("\n"), start=2):
        if line[: len(line) - len(line.lstrip())].count("\t"):
            # YAML refuses tabs for indentation; libyaml's own words for it name no tab.
            problem(number, "the header is not valid YAML: it is indented with a tab (use spaces)")
            return PageReading(path, None, tuple(problems))
    try:
        loaded, marks = load_with_lines(header_text, max_nodes=HEADER_NODES)
    except YamlShapeError as exc:
        problem(_header_line(exc.line), f"the header {exc}")
        return PageReading(path, None, tuple(problems))
    except YamlSyntaxError as exc:
        problem(_header_line(exc.line), f"the header is {exc}")
        return PageReading(path, None, tuple(problems))
    if not isinstance(loaded, dict):
        problem(2, "the header must be a mapping (id:, title:, summary:, ...)")
        return PageReading(path, None, tuple(problems))
    lines = {str(loc[0]): _header_line(line) or 1 for loc, line in marks.items() if len(loc) == 1}
    header = _check_header(loaded, lines, path.stem, problem)
    body_start = text.count("\n", 0, end + 5) + 1
    body = text[end + 5 :]
    sections, section_lines = _check_body(body, body_start, header["title"], problem)
    pattern = Pattern(
        id=header["id"],
        title=header["title"],
        summary=header["summary"],
        related=header["related"],
        aliases=header["aliases"],
        seeds=header["seeds"],
        body=body.lstrip("\n"),
        path=path,
        sections=sections,
        lines={**lines, **section_lines},
    )
    return PageReading(path, pattern, tuple(problems))


def read_pattern(path: Path) -> Pattern:
    """One page; a PageError (never a traceback) when it cannot be read at all."""
    reading = read_page(path)
    if reading.pattern is None:
        raise PageError(reading.problems[0])
    return reading.pattern


def list_patterns(folder: Path | None = None) -> list[Pattern]:
    """Every page that can be read, in file-name order; unreadable ones are left out."""
    return [r.pattern for r in read_pages(folder) if r.pattern is not None]


def read_pages(folder: Path | None = None) -> list[PageReading]:
    """Every page of the catalog folder as read on its own (an empty list without the folder)."""
    root = folder or catalog_dir()
    if not root.is_dir():
        return []
    return [read_page(p) for p in page_files(root)]


def page_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*.md") if p.name != "README.md")


def find_pattern(pattern_id: str, folder: Path | None = None) -> Pattern | None:
    """The page of this pattern; a broken page elsewhere in the catalog costs only itself."""
    root = folder or catalog_dir()
    if not root.is_dir():
        return None
    # The file is named after the id: try it first, so one lookup reads one page.
    named = root / f"{pattern_id}.md"
    if "/" not in pattern_id and named.is_file():
        pattern = read_page(named).pattern
        if pattern is not None and pattern.id == pattern_id:
            return pattern
    for path in page_files(root):
        pattern = read_page(path).pattern
        if pattern is not None and pattern.id == pattern_id:
            return pattern
    return None


def _check_header(
    loaded: dict[object, object],
    lines: dict[str, int],
    stem: str,
    problem: Report,
) -> dict[str, Any]:
    for key in loaded:
        if str(key) not in HEADER_FIELDS:
            close = difflib.get_close_matches(str(key), HEADER_FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(lines.get(str(key)), f"unknown header field {str(key)!r}{hint}")
    for name in REQUIRED_FIELDS:
        value = loaded.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problem(1, f"the header has no {name!r}")
        elif not isinstance(value, str | int | float):
            problem(lines.get(name), f"{name!r} must be text")
    page_id = _text(loaded.get("id")) or stem
    if page_id != stem:
        problem(lines.get("id"), f"id {page_id!r} is not the file name {stem!r}")
    summary = _text(loaded.get("summary"))
    if "\n" in summary.strip():
        problem(lines.get("summary"), "the summary must be one line")
    if len(summary) > SUMMARY_MAX:
        problem(
            lines.get("summary"),
            f"the summary is {len(summary)} characters long; at most {SUMMARY_MAX}",
        )
    lists: dict[str, tuple[str, ...]] = {}
    for name in LIST_FIELDS:
        value = loaded.get(name)
        if value is None:
            lists[name] = ()
        elif isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            lists[name] = tuple(str(v) for v in value)
        else:
            problem(lines.get(name), f"{name!r} must be a list of words, e.g. [saga]")
            lists[name] = ()
    return {
        "id": page_id,
        "title": _text(loaded.get("title")) or stem.replace("-", " ").capitalize(),
        "summary": summary.strip(),
        **lists,
    }


def _check_body(
    body: str, first_line: int, title: str, problem: Report
) -> tuple[dict[str, str], dict[str, int]]:
    """Split the body into its sections and report a missing title, section or order."""
    sections: dict[str, list[str]] = {}
    section_lines: dict[str, int] = {}
    current: list[str] | None = None
    seen_title = False
    in_code = False
    order: list[str] = []
    for number, line in enumerate(body.split("\n"), start=first_line):
        if FENCE.match(line):
            in_code = not in_code
        if not in_code and line.startswith("# ") and not seen_title and not order:
            seen_title = True
            continue
        if not in_code and line.startswith("## "):
            name = line[3:].strip()
            if name not in SECTIONS:
                close = difflib.get_close_matches(name, SECTIONS, n=1)
                hint = f"; did you mean '## {close[0]}'?" if close else ""
                problem(number, f"unknown section '## {name}'{hint}")
                current = None
                continue
            if name in sections:
                problem(number, f"section '## {name}' appears twice")
                current = sections[name]
                continue
            sections[name] = current = []
            section_lines[f"## {name}"] = number
            order.append(name)
            continue
        if current is not None:
            current.append(line)
    if not seen_title:
        problem(first_line, f"the page must start with its title, '# {title}'")
    end_line = first_line + body.count("\n")
    for index, name in enumerate(SECTIONS):
        if name not in sections:
            later = [n for n in SECTIONS[index + 1 :] if n in sections]
            where = section_lines[f"## {later[0]}"] if later else end_line
            problem(where, f"missing section '## {name}'")
    present = [n for n in SECTIONS if n in sections]
    for before, after in pairwise(order):
        if present.index(before) > present.index(after):
            problem(
                section_lines[f"## {after}"],
                f"section '## {after}' must come before '## {before}'",
            )
            break
    return {k: "\n".join(v).strip() for k, v in sections.items()}, section_lines


def _prose(body: str) -> str:
    out: list[str] = []
    in_code = False
    for line in body.split("\n"):
        if FENCE.match(line):
            in_code = not in_code
            continue
        if not in_code:
            out.append(line)
    return "\n".join(out)


def _header_line(line: int | None) -> int | None:
    """A line of the header's YAML as a line of the file (the header starts on line 2)."""
    return None if line is None else line + 1


def _text(value: object) -> str:
    return "" if value is None or isinstance(value, dict | list) else str(value)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


__all__ = [
    "SECTIONS",
    "SUMMARY_MAX",
    "PageError",
    "PageProblem",
    "PageReading",
    "Pattern",
    "find_pattern",
    "list_patterns",
    "read_page",
    "read_pages",
    "read_pattern",
]
