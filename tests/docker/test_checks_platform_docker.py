"""The fixtures of what the system really did and the held-event-loop message on the Docker
runtime: the checks run on the host and reach the services' stats, the broker (`events`) and
the kits' problems through the edge, and the watchdog finds the learner's line under
/workspace in the container. The same check file as the local runtime's test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from platform_checks import BLOCKING_PRICING, CHECKS, assert_results
from support import FIXTURE_LABS, docker_required

from workbench.checkrun.results import CheckResult
from workbench.checkrun.runner import run_checks
from workbench.dockerengine import labels
from workbench.lab import load_lab
from workbench.runtime.docker import engine_available

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]  # a first bake of the shop images


def readable(folder: Path) -> Path:
    """The container user (uid 10001) reads it: pytest's temp folders are 0700."""
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


@pytest.fixture
def engine() -> Iterator[Any]:
    if not engine_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but no Docker engine answers")
        pytest.skip("no Docker engine answers")
    from workbench.dockerengine import connect

    client = connect()
    yield client
    client.close()


@pytest.fixture
def results(engine: Any, tmp_path: Path) -> Iterator[dict[str, CheckResult]]:
    from workbench.runtime.docker import DockerRuntime

    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(lab_dir / "checks")
    (lab_dir / "checks").mkdir()
    (lab_dir / "checks" / "test_platform.py").write_text(CHECKS)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "pricing.py").write_text(BLOCKING_PRICING)
    tmp_path.chmod(0o755)
    readable(lab_dir)
    readable(workspace)
    lab = load_lab(lab_dir)
    runtime = DockerRuntime(engine)
    deployment = runtime.up(lab, workspace, deadline=300)
    try:
        run = run_checks(lab, workspace, deployment=deployment, exercises=["pricing"])
        yield {r.name: r for r in run.results}
    finally:
        runtime.down(deployment)
        filters = labels.run_filter(deployment.run_id)
        assert not engine.containers.list(all=True, filters=filters, ignore_removed=True)


def test_fixtures_and_messages_through_the_edge(results: dict[str, CheckResult]) -> None:
    assert_results(results)
