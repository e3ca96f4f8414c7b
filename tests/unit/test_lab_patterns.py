"""The shipped pattern catalog keeps its format, and every shipped lab's patterns have pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.lab.catalog import LabPatterns, load_catalog, page_markdown
from workbench.lab.index import lab_folders
from workbench.lab.loader import validate_lab_dir
from workbench.lab.patterns import (
    SECTIONS,
    SUMMARY_MAX,
    find_pattern,
    list_patterns,
    read_page,
    read_pattern,
)
from workbench.paths import catalog_dir, shipped_labs_dir

SEEDS = Path("/work/shared/seeds")
SEED_IDS = {"000", "001", "002", "003", "004"}
SHIPPED = load_catalog(catalog_dir())
PAGES = sorted(p.name for p in catalog_dir().glob("*.md") if p.name != "README.md")


def test_the_shipped_catalog_has_no_problem() -> None:
    assert [str(p) for p in SHIPPED.problems] == []
    assert len(SHIPPED.patterns) == len(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_the_header_and_the_sections_in_order(name: str) -> None:
    pattern = read_pattern(catalog_dir() / name)
    assert pattern.id == name.removesuffix(".md")
    assert pattern.title and pattern.summary
    assert len(pattern.summary) <= SUMMARY_MAX
    assert set(pattern.seeds) <= SEED_IDS, pattern.seeds
    assert pattern.body.startswith(f"# {pattern.title}\n")
    headings = [line[3:] for line in pattern.body.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS)
    assert all(pattern.sections[s].strip() for s in SECTIONS if s != "Try it"), name


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_300_to_700_words(name: str) -> None:
    words = read_pattern(catalog_dir() / name).words()
    assert 300 <= words <= 700, f"{name}: {words} words"


def test_related_ids_and_aliases_resolve_and_nothing_is_shared() -> None:
    ids = {p.id for p in SHIPPED.patterns}
    seen: dict[str, str] = {}
    for pattern in SHIPPED.patterns:
        assert set(pattern.related) <= ids, pattern.id
        assert pattern.id not in pattern.related
        for word in (pattern.id, *pattern.aliases):
            assert word.lower() not in seen, f"{word!r}: {pattern.id} and {seen.get(word.lower())}"
            seen[word.lower()] = pattern.id
            found = SHIPPED.get(word)
            assert found is not None and found.id == pattern.id


def test_every_shipped_lab_names_patterns_that_have_pages() -> None:
    for folder in lab_folders():
        if shipped_labs_dir() not in folder.parents:
            continue
        lab, problems = validate_lab_dir(folder)
        assert lab is not None and not problems, folder
        assert lab.patterns, f"{lab.id} names no pattern"
        assert SHIPPED.unknown(lab.patterns) == [], lab.id


def test_the_saga_lab_is_listed_on_the_pages_it_practises() -> None:
    assert [lab.id for lab in SHIPPED.labs_of("saga")] == ["saga"]
    page = page_markdown(SHIPPED.get("saga"), SHIPPED)  # type: ignore[arg-type]
    try_it = page.split("## Try it", 1)[1]
    assert try_it.lstrip().startswith("Labs that practise it: `saga`")


def test_a_page_without_a_lab_says_so() -> None:
    catalog = load_catalog(catalog_dir(), labs=())
    page = page_markdown(catalog.patterns[0], catalog)
    assert "## Try it\n\nNo lab yet." in page


def test_links_name_related_pages_and_labs() -> None:
    catalog = load_catalog(catalog_dir(), labs=(LabPatterns("saga", "Saga", ("saga",)),))
    page = page_markdown(catalog.get("saga"), catalog, links=True)  # type: ignore[arg-type]
    assert "[`saga`](lab:saga)" in page
    assert "(pattern:idempotent-consumer)" in page


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the course sources are not on this machine")
@pytest.mark.parametrize("name", PAGES)
def test_no_sentence_is_copied_from_the_sources(name: str) -> None:
    sources = " ".join(p.read_text(errors="ignore") for p in SEEDS.glob("*.txt"))
    sources = re.sub(r"\s+", " ", sources).lower()
    text = re.sub(r"\s+", " ", read_pattern(catalog_dir() / name).body).lower()
    runs = re.split(r"[.!?;:\n]", text)
    copied = [r.strip() for r in runs if len(r.strip()) > 60 and r.strip() in sources]
    assert copied == []


def test_search_finds_aliases_and_ranks_names_first() -> None:
    assert [p.id for p in SHIPPED.search("pub/sub")] == ["publish-subscribe"]
    hits = [p.id for p in SHIPPED.search("saga")]
    assert hits[0] == "saga"
    assert SHIPPED.search("no such words anywhere") == []


def test_a_typo_gets_a_suggestion() -> None:
    assert SHIPPED.suggest("sgaa") == "saga"
    assert SHIPPED.suggest("zzzzzz") is None


def test_a_page_without_header_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    page = tmp_path / "circuit-breaker.md"
    page.write_text("# Circuit breaker\n")
    reading = read_page(page)
    assert reading.pattern is None
    assert [str(p) for p in reading.problems] == [
        f"{page}:1: no header: a page starts with a line '---', then id, title and summary"
    ]
    with pytest.raises(WorkbenchError, match="no header"):
        read_pattern(page)


def test_one_bad_page_leaves_the_others(tmp_path: Path) -> None:
    source = (catalog_dir() / "saga.md").read_text()
    (tmp_path / "saga.md").write_text(source)
    (tmp_path / "broken.md").write_text("---\nid: broken\n# no end\n")
    (tmp_path / "binary.md").write_bytes(b"\xff\xfe\x00")
    catalog = load_catalog(tmp_path, labs=())
    assert [p.id for p in catalog.patterns] == ["saga"]
    assert {p.file.name for p in catalog.problems} >= {"broken.md", "binary.md"}
    assert find_pattern("saga", tmp_path) is not None
    assert list_patterns(tmp_path)[0].id == "saga"


def test_a_missing_catalog_is_empty(tmp_path: Path) -> None:
    catalog = load_catalog(tmp_path / "nowhere", labs=())
    assert catalog.patterns == () and catalog.problems == () and not catalog.exists
    assert find_pattern("saga", tmp_path / "nowhere") is None


def test_shipped_labs_hidden_by_the_labs_path_still_exist_for_try_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_STATE_DIR", str(tmp_path / "state"))
    catalog = load_catalog(catalog_dir())
    assert catalog.labs == ()
    assert [str(p) for p in catalog.problems] == []


@pytest.mark.parametrize("name", PAGES)
def test_try_it_leaves_the_labs_to_the_catalog(name: str) -> None:
    """The labs are computed: a hand-written "no lab" would contradict them once a lab lands.
    Commands stay on one line, where the check of the labs they name can read them."""
    try_it = read_pattern(catalog_dir() / name).sections["Try it"]
    assert try_it.strip()
    assert "no lab" not in try_it.lower()
    assert all(line.count("`") % 2 == 0 for line in try_it.splitlines()), name
