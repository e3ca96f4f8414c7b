"""Paths and switches shared by test modules (import this, never `conftest`: several conftest.py
files exist and which one `import conftest` finds depends on collection order)."""

from __future__ import annotations

import os
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXTURE_LABS = TESTS / "fixtures" / "labs"
MIXED_LABS = TESTS / "fixtures" / "mixed-labs"
"""Labs kept out of the lab list of the TUI tests: `decompose` mixes files-only exercises with a
service, declares externals and draws the learner's design."""
MUTATION_LABS = TESTS / "fixtures" / "mutation-labs"
"""Labs made for `workbench labs mutate`: files-only, so a real run takes seconds."""
REPO = TESTS.parent


def docker_required() -> bool:
    """CI sets WORKBENCH_REQUIRE_DOCKER=1: Docker tests must run there, never skip."""
    return os.environ.get("WORKBENCH_REQUIRE_DOCKER") == "1"
