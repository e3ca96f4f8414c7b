"""Files-only exercises (`needs_services: false`) on the mixed fixture lab `decompose`: checking
them starts nothing and needs nothing running, through the CLI and the self-test; checking the
exercise that talks to the catalog service still needs the lab running."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import MIXED_LABS

from workbench.authoring.selftest import selftest
from workbench.lab import load_lab
from workbench.lab.workspace import find_workspace
from workbench.paths import runs_dir
from workbench.runtime import runs
from workbench.runtime.base import Deployment
from workbench.runtime.local import procs

SOLUTION = MIXED_LABS / "decompose" / "solution"


def wb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
        timeout=300, check=False, env={**os.environ, "COLUMNS": "300"},
    )  # fmt: skip


@pytest.fixture
def decompose(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(MIXED_LABS))
    assert wb("lab", "init", "decompose").returncode == 0
    workspace = find_workspace("decompose")
    assert workspace is not None
    return workspace


def _run_folders() -> list[Path]:
    return sorted(runs_dir().iterdir()) if runs_dir().is_dir() else []


def _lab_processes() -> list[int]:
    """Processes any run of the lab started (the local runtime marks each with its lab)."""
    return procs.pids_with_env("WORKBENCH_LAB", "decompose")


def test_checking_a_files_only_exercise_starts_nothing(decompose: Path) -> None:
    result = wb("check", "decompose", "boundaries", "--start", "--runtime", "local")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not running" not in result.stdout + result.stderr
    assert "started" not in result.stdout + result.stderr
    assert "the modularity of your boundaries is 0.00" in result.stdout
    assert _run_folders() == []
    assert _lab_processes() == []

    shutil.copy(SOLUTION / "design.yaml", decompose / "design.yaml")
    passed = wb("check", "decompose", "boundaries")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Draw the boundaries (boundaries): passed" in passed.stdout
    assert _run_folders() == []


def test_a_files_only_check_leaves_a_stale_run_alone(decompose: Path) -> None:
    """Nothing is looked up: a recorded run whose services are gone is not its business."""
    run_id, folder = runs.create_run_dir("decompose")
    Deployment("decompose", run_id, "local", folder, MIXED_LABS / "decompose", decompose).save()
    result = wb("check", "decompose", "boundaries")
    assert result.returncode == 1
    assert "removed" not in result.stdout + result.stderr
    assert "the modularity of your boundaries is 0.00" in result.stdout
    assert _run_folders() == [folder]
    runs.remove_run(folder)


def test_the_whole_mixed_lab_needs_its_services(decompose: Path) -> None:
    result = wb("check", "decompose")
    assert result.returncode == 1
    assert "lab 'decompose' is not running, and its checks talk to its services" in result.stderr
    assert "`workbench check decompose boundaries`" in result.stderr
    assert _run_folders() == []


def test_the_selftest_starts_the_lab_only_for_variants_that_need_it(decompose: Path) -> None:
    steps: list[str] = []
    report = selftest(load_lab(MIXED_LABS / "decompose"), runtime="local", on_step=steps.append)
    assert report.ok, [(v.variant, v.detail) for v in report.variants] + report.problems
    assert "mutant chatty-split: checking (files only)" in steps
    assert "mutant keeps-dashes: checking on the local runtime" in steps
    assert "solution: checking on the local runtime" in steps
    assert _run_folders() == []
    assert _lab_processes() == []
