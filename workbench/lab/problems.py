"""A problem found in a lab: where it is (file, field path, line) and what is expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: Path
    field: str
    """Field path in lab.yaml, e.g. `services[2].port`; empty for the whole file."""
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


def field_path(loc: tuple[str | int, ...]) -> str:
    """('services', 2, 'port') -> 'services[2].port'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
