"""Every lab under labs/ (and the fixture shop) proves its checks on the Docker runtime too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import FIXTURE_LABS, docker_required

from workbench.paths import REPO_DIR

pytestmark = pytest.mark.docker

LABS = [FIXTURE_LABS / "shop", *sorted(p.parent for p in (REPO_DIR / "labs").glob("*/lab.yaml"))]


@pytest.fixture(scope="module")
def engine() -> None:
    from workbench.runtime.select import docker_available

    if not docker_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but the Docker runtime has no engine")
        pytest.skip("no Docker engine answers (or the Docker runtime is not installed)")


@pytest.mark.slow
@pytest.mark.parametrize("lab_dir", LABS, ids=[p.name for p in LABS])
def test_lab_selftest_on_docker(engine: None, lab_dir: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "labs",
            "selftest",
            str(lab_dir),
            "--runtime",
            "docker",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, (
        f"self-test of {lab_dir.name} on Docker failed:\n{result.stdout}\n{result.stderr}"
    )
