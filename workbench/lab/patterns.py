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

import yaml

from workbench.errors import WorkbenchError
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


def read_pattern(path: Path) -> Pattern:
    text = path.read_text(encoding="utf-8")
    header: dict[str, object] = {}
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end < 0:
            raise WorkbenchError(f"{path}: header not closed", "end the header with a line '---'")
        try:
            loaded = yaml.safe_load(text[4:end]) or {}
        except yaml.YAMLError as exc:
            raise WorkbenchError(f"{path}: header is not valid YAML: {exc}") from None
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
    return next((p for p in list_patterns(folder) if p.id == pattern_id), None)
