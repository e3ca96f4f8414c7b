"""Two `workbench lab start --runtime docker` of one lab at the same moment (issue 19): one run,
one refusal saying how to see the lab, and nothing labelled with this test's state folder left after
`lab stop`. The lock is the one the local runtime's starts take (see test_lab_start_lock.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import FIXTURE_LABS, docker_required

from workbench.dockerengine import labels
from workbench.runtime.docker import engine_available, gc_all
from workbench.runtime.runs import list_runs

pytestmark = pytest.mark.docker


@pytest.fixture
def engine(isolated_state: Path) -> Iterator[Any]:
    if not engine_available():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but no Docker engine answers")
        pytest.skip("no Docker engine answers")
    from workbench.dockerengine import connect

    client = connect()
    yield client
    gc_all()  # this state folder's objects only, whatever a failed test left
    client.close()


def objects(engine: Any) -> list[str]:
    mine = labels.state_filter()
    return [
        *(
            f"container {c.name}"
            for c in engine.containers.list(all=True, filters=mine, ignore_removed=True)
        ),
        *(f"network {n.name}" for n in engine.networks.list(filters=mine)),
        *(f"volume {v.name}" for v in engine.volumes.list(filters=mine)),
    ]


def test_two_docker_starts_at_the_same_moment_run_the_lab_once(
    engine: Any, isolated_state: Path, tmp_path: Path
) -> None:
    workspace = tmp_path / "shop"  # readable by the services' user (uid 10001)
    shutil.copytree(FIXTURE_LABS / "shop" / "solution", workspace)
    for folder in [tmp_path, workspace, *(p for p in workspace.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    env = {**os.environ, "WORKBENCH_LABS_PATH": str(FIXTURE_LABS)}
    start = [sys.executable, "-m", "workbench", "lab", "start", "shop", "--runtime", "docker",
             "--workspace", str(workspace), "--deadline", "120"]  # fmt: skip
    clis = [
        subprocess.Popen(start, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = []
    for cli in clis:
        out, err = cli.communicate(timeout=600)  # a cold engine bakes the images first
        outcomes.append((cli.returncode, out, err))
    assert sorted(code for code, _, _ in outcomes) == [0, 1], outcomes
    refusal = next(err for code, _, err in outcomes if code == 1)
    assert "Traceback" not in refusal
    assert "lab 'shop' is already starting" in refusal or "lab 'shop' is already running" in refusal
    assert "workbench lab status shop" in refusal

    (run,) = list_runs("shop")
    runs_seen = {
        c.labels[labels.RUN]
        for c in engine.containers.list(
            all=True, filters=labels.state_filter(), ignore_removed=True
        )
    }
    assert runs_seen == {run.run_id}  # the loser created no container

    stop = subprocess.run([sys.executable, "-m", "workbench", "lab", "stop", "shop"], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert stop.returncode == 0, stop.stderr
    assert objects(engine) == []
    assert list((isolated_state / "runs").iterdir()) == []
