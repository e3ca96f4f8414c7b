"""`--runtime auto` with a Docker engine that answers but cannot bake the lab's images: the lab
starts on the local runtime, saying so in one line, and nothing of the Docker attempt is left."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURE_LABS, docker_required

from workbench.app.session import LabSession
from workbench.bakery.build import BakeError
from workbench.dockerengine import labels
from workbench.lab import load_lab
from workbench.runtime import runs
from workbench.runtime.docker import engine_available

pytestmark = pytest.mark.docker


def test_auto_starts_locally_when_the_images_cannot_be_baked(
    monkeypatch: pytest.MonkeyPatch, isolated_state: Path
) -> None:
    if not engine_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but no Docker engine answers")
        pytest.skip("no Docker engine answers")
    from workbench.dockerengine import connect
    from workbench.runtime.docker import images

    def cannot_bake(*_args: object, **_kwargs: object) -> None:
        raise BakeError("no root image to build on", "run `workbench bake --root`")

    monkeypatch.setattr(images, "bake", cannot_bake)
    notes: list[str] = []
    session = LabSession(load_lab(FIXTURE_LABS / "shop"), "auto", note=notes.append)
    assert session.choose_runtime().name == "docker"  # an engine answers: auto picks Docker
    try:
        deployment = session.start(deadline=120)
        assert deployment.runtime == "local"
        assert session.runtime_name == "local"
        assert {s.state.value for s in session.status()} == {"ready"}
        (note,) = notes
        assert "could not be baked (no root image to build on)" in note
        # The Docker attempt left nothing: one run (the local one), no labelled container,
        # network or volume of any other run of this state folder.
        assert [d.run_id for d in runs.list_runs("shop")] == [deployment.run_id]
        client = connect()
        try:
            mine = labels.state_filter()
            assert client.containers.list(all=True, filters=mine, ignore_removed=True) == []
            assert client.networks.list(filters=mine) == []
            assert client.volumes.list(filters=mine) == []
        finally:
            client.close()
    finally:
        session.stop()
