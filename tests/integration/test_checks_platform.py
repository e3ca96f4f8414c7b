"""The fixtures for what the system really did (`stats`, `observed_topology`, `events`) and the
message of a check whose service's event loop the learner held, on the real local runtime."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from platform_checks import BLOCKING_PRICING, CHECKS, assert_results
from support import FIXTURE_LABS

from workbench.checkrun.results import CheckResult
from workbench.checkrun.runner import run_checks
from workbench.lab import load_lab
from workbench.runtime.local import LocalRuntime


@pytest.fixture
def results(tmp_path: Path) -> Iterator[dict[str, CheckResult]]:
    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(lab_dir / "checks")
    (lab_dir / "checks").mkdir()
    (lab_dir / "checks" / "test_platform.py").write_text(CHECKS)
    lab = load_lab(lab_dir)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "pricing.py").write_text(BLOCKING_PRICING)
    runtime = LocalRuntime()
    deployment = runtime.up(lab, workspace)
    try:
        run = run_checks(lab, workspace, deployment=deployment, exercises=["pricing"])
        yield {r.name: r for r in run.results}
    finally:
        runtime.down(deployment)


def test_fixtures_and_messages_on_a_running_lab(results: dict[str, CheckResult]) -> None:
    assert_results(results)
