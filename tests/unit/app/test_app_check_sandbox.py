"""Where `workbench check` imports the learner's files for its pre-check: in the Docker sandbox when
the run is a Docker run or the start will be one, on the host otherwise (no engine needed here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.app import checking
from workbench.app.checking import CheckRequest
from workbench.bakery.build import BakeError
from workbench.lab import load_lab
from workbench.lab.model import Lab
from workbench.runtime import select
from workbench.runtime.base import Deployment
from workbench.runtime.docker.sandbox import DockerPython
from workbench.runtime.sandbox import ChildOutput, HostPython


@pytest.fixture(scope="module")
def shop() -> Lab:
    return load_lab(FIXTURE_LABS / "shop")


def sandbox(lab: Lab, request: CheckRequest, deployment: Deployment | None = None) -> object:
    return checking._sandbox(lab, request, deployment, busy=lambda _text: None)


def run(lab: Lab, runtime: str, tmp_path: Path) -> Deployment:
    return Deployment(
        lab_id=lab.id, run_id="shop-1a2b3c4d", runtime=runtime, run_dir=tmp_path,
        lab_path=lab.path, workspace=None, extra={"images": {"orders": "img"}},
    )  # fmt: skip


def test_the_running_run_decides(shop: Lab, tmp_path: Path) -> None:
    request = CheckRequest(start=True, runtime="local")  # a run exists: its runtime counts
    assert isinstance(sandbox(shop, request, run(shop, "docker", tmp_path)), DockerPython)
    assert isinstance(sandbox(shop, CheckRequest(), run(shop, "local", tmp_path)), HostPython)


def test_a_start_decides_when_nothing_runs(shop: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(select, "docker_available", lambda: True)
    assert isinstance(sandbox(shop, CheckRequest(start=True, runtime="docker")), DockerPython)
    assert isinstance(sandbox(shop, CheckRequest(start=True, runtime="local")), HostPython)
    assert isinstance(
        sandbox(shop, CheckRequest(start=True, runtime="auto")), checking._AutoSandbox
    )
    assert isinstance(sandbox(shop, CheckRequest()), HostPython)  # nothing will start
    monkeypatch.setattr(select, "docker_available", lambda: False)
    assert isinstance(sandbox(shop, CheckRequest(start=True, runtime="auto")), HostPython)


def test_auto_pre_checks_on_the_host_when_the_images_cannot_be_baked(tmp_path: Path) -> None:
    """As the start then falls back to the local runtime, whose services load the files here."""

    class CannotBake:
        def run_python(self, *_args: object, **_kwargs: object) -> ChildOutput:
            raise BakeError("no root image to build on")

    auto = checking._AutoSandbox(CannotBake())
    output = auto.run_python(
        "import sys; print(sys.argv[1])", [], workspace=tmp_path, paths=[], timeout=10
    )
    assert output.stdout.strip() == str(tmp_path)
    assert not output.timed_out
