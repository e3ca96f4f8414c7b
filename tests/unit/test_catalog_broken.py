"""Every broken-catalog fixture gives exactly the problems its EXPECTED file names, and the
other pages of that catalog still read: one bad page never empties the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.lab.catalog import LabPatterns, load_catalog
from workbench.lab.patterns import page_files

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "broken-catalog"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "EXPECTED").is_file())
LABS = (LabPatterns("saga", "The saga lab", ("saga",)),)


def test_every_case_of_the_issue_has_a_fixture() -> None:
    assert set(CASES) >= {
        "header-not-closed",
        "header-not-yaml",
        "id-not-file-name",
        "missing-section",
        "sections-out-of-order",
        "unknown-related",
        "duplicate-id",
        "unknown-lab-in-try-it",
        "long-summary",
    }


@pytest.mark.parametrize("case", CASES)
def test_broken_catalog_gives_exactly_its_problems(case: str) -> None:
    folder = BROKEN / case
    expected = (folder / "EXPECTED").read_text().splitlines()
    catalog = load_catalog(folder, LABS)
    found = [f"{p.file.relative_to(folder)}:{p.line}: {p.message}" for p in catalog.problems]
    assert sorted(found) == sorted(expected)


@pytest.mark.parametrize("case", CASES)
def test_a_broken_page_leaves_the_others_readable(case: str) -> None:
    folder = BROKEN / case
    catalog = load_catalog(folder, LABS)
    unreadable = {p.file for p in catalog.problems if "header" in p.message}
    readable = [p for p in page_files(folder) if p not in unreadable]
    # Every page whose header reads is listed, except a second page taking an id already taken.
    duplicates = sum(1 for p in catalog.problems if "is already the id of" in p.message)
    assert len(catalog.patterns) == len(readable) - duplicates
