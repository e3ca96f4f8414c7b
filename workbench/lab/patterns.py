"""The pattern catalog: one Markdown page per pattern in `catalog/`, with a small YAML header.

```
---
id: saga
title: Saga
summary: One line.
related: [idempotent-consumer]
---
# Saga ...
```
Labs name patterns by id in `patterns:`; a pattern without a page is simply not linked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.lab.limits import DEFAULT_LIMITS, read_bounded
from workbench.lab.yamlmarks import YamlShapeError, YamlSyntaxError, load_with_lines
from workbench.paths import catalog_dir


@dataclass(frozen=True)
class Pattern:
    id: str
    title: str
    summary: str
    related: tuple[str, ...]
    body: str
    """The Markdown page without its header."""
    path: Path


HEADER_NODES = 1_000
"""Values a page header may hold once aliases are expanded (a header has a handful)."""


def read_pattern(path: Path) -> Pattern:
    """One catalog page; a WorkbenchError (never a hang or a traceback) when it is unreadable."""
    try:
        text = read_bounded(path, DEFAULT_LIMITS.page_bytes)
    except (OSError, ValueError) as exc:
        raise WorkbenchError(f"{path}: cannot read the page: {exc}") from None
    header: dict[str, object] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise WorkbenchError(f"{path}: header not closed", "end the header with a line '---'")
        try:
            loaded, _lines = load_with_lines(text[4:end], max_nodes=HEADER_NODES)
        except YamlShapeError as exc:
            raise WorkbenchError(f"{path}: the header {exc}") from None
        except YamlSyntaxError as exc:
            raise WorkbenchError(f"{path}: header is {exc}") from None
        loaded = loaded or {}
        if not isinstance(loaded, dict):
            raise WorkbenchError(f"{path}: header must be a mapping (id:, title:, summary:)")
        header = loaded
        body = text[end + 5 :]
    related = header.get("related") or []
    return Pattern(
        id=str(header.get("id") or path.stem),
        title=str(header.get("title") or path.stem.replace("-", " ").title()),
        summary=str(header.get("summary") or ""),
        related=tuple(str(r) for r in related) if isinstance(related, list) else (),
        body=body.lstrip("\n"),
        path=path,
    )


def list_patterns(folder: Path | None = None) -> list[Pattern]:
    root = folder or catalog_dir()
    if not root.is_dir():
        return []
    return [read_pattern(p) for p in sorted(root.glob("*.md")) if p.name != "README.md"]


def find_pattern(pattern_id: str, folder: Path | None = None) -> Pattern | None:
    """The page of this pattern; a broken page elsewhere in the catalog costs only itself."""
    root = folder or catalog_dir()
    if not root.is_dir():
        return None
    for path in sorted(root.glob("*.md")):
        if path.name == "README.md":
            continue
        try:
            pattern = read_pattern(path)
        except WorkbenchError:
            continue
        if pattern.id == pattern_id:
            return pattern
    return None
