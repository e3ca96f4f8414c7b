"""The lab index used by `workbench labs list`: right summaries, reused until a file changes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.lab import index

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "labs" / "shop"


@pytest.fixture
def labs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "labs"
    root.mkdir()
    shutil.copytree(SHOP, root / "shop", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(root))
    return root


def test_summary_of_a_valid_lab(labs: Path) -> None:
    (summary,) = index.summaries()
    assert summary.id == "shop"
    assert summary.problems == 0
    assert summary.exercises == 1
    assert "sidecar" in summary.patterns


def test_cached_summary_is_reused_until_a_file_changes(
    labs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.summaries()
    calls: list[Path] = []
    real = index.summarize
    monkeypatch.setattr(index, "summarize", lambda folder: calls.append(folder) or real(folder))
    assert index.summaries()[0].title == "Fixture shop"
    assert calls == []
    lab_yaml = labs / "shop" / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text().replace("title: Fixture shop", "title: Renamed"))
    assert index.summaries()[0].title == "Renamed"
    assert len(calls) == 1


def test_a_removed_file_makes_the_lab_invalid(labs: Path) -> None:
    assert index.summaries()[0].problems == 0
    (labs / "shop" / "exercises" / "pricing.md").unlink()
    assert index.summaries()[0].problems >= 1


def test_a_corrupt_cache_is_rebuilt(labs: Path, isolated_state: Path) -> None:
    index.summaries()
    (isolated_state / index.CACHE_FILE).write_text("{not json")
    assert index.summaries()[0].id == "shop"


def test_labs_list_loads_neither_pydantic_nor_yaml_when_cached(labs: Path) -> None:
    index.summaries()
    probe = (
        "import sys\nfrom workbench.cli import main\nsys.argv = ['workbench', 'labs', 'list']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', ' '.join(sorted(m for m in sys.modules if m in ('pydantic', 'yaml'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "shop" in out
    assert out.strip().splitlines()[-1] == "LOADED"
