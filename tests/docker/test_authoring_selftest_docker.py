"""A self-test on Docker bakes first, once.

Every lab's own self-test on Docker runs in tests/integration/test_labs_selftest.py, side by side
with the local ones.
"""

from __future__ import annotations

import re
import secrets
import shutil
from pathlib import Path

import pytest
from support import FIXTURE_LABS, docker_required

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def engine() -> None:
    from workbench.runtime.select import docker_available

    if not docker_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but the Docker runtime has no engine")
        pytest.skip("no Docker engine answers (or the Docker runtime is not installed)")


@pytest.mark.slow
def test_selftest_bakes_once_before_the_first_variant(engine: None, tmp_path: Path) -> None:
    """A lab whose images are missing is baked first, with progress, and only once: the
    variants' starts (and their readiness deadline) then find the images there."""
    from workbench.authoring.selftest import selftest
    from workbench.bakery.images import prune_images
    from workbench.dockerengine import connect
    from workbench.lab import load_lab

    lab_id = f"shopbake{secrets.token_hex(2)}"  # its own images: none is baked yet
    folder = tmp_path / lab_id
    shutil.copytree(FIXTURE_LABS / "shop", folder, ignore=shutil.ignore_patterns("__pycache__"))
    for sub in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        sub.chmod(0o755)  # the bake's context and the container user read it
    yaml = folder / "lab.yaml"
    yaml.write_text(re.sub(r"(?m)^id: shop$", f"id: {lab_id}", yaml.read_text()))
    steps: list[str] = []
    try:
        report = selftest(load_lab(folder), runtime="docker", on_step=steps.append)
    finally:
        client = connect()
        prune_images(client, lab_id)
        client.close()
    assert report.ok, [(v.variant, v.detail) for v in report.variants] + report.problems
    first_variant = next(i for i, s in enumerate(steps) if s.startswith("starter:"))
    baking = [i for i, s in enumerate(steps) if s.startswith("baking")]
    assert baking, steps
    assert max(baking) < first_variant, f"baked during a variant: {steps}"
    built = [s for s in steps if s.startswith(f"baking {lab_id}/") and "built" in s]
    assert len(built) == 4, f"every thin image baked once, before the variants: {steps}"
