"""The Docker runtime's sandbox for learner code outside the services (the import pre-check),
checked without an engine: hardened like a service, no network, read-only mounts, labelled; and
which checks get it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.checkrun.runner import sandbox_for
from workbench.dockerengine import labels
from workbench.lab import load_lab
from workbench.lab.model import Lab
from workbench.runtime.base import Deployment
from workbench.runtime.docker import sandbox, specs
from workbench.runtime.sandbox import HostPython

RUN = "shop-1a2b3c4d"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(FIXTURE_LABS / "shop")


def test_the_pre_check_container_is_hardened_like_a_service_and_has_no_network(
    lab: Lab, tmp_path: Path
) -> None:
    orders = (lab.path / "services" / "orders").resolve()
    spec = sandbox.sandbox_spec(
        lab, RUN, "workbench/shop-orders:abc", "print(1)", ["[]", "{}"],
        workspace=tmp_path, paths=[orders, tmp_path / "more"], image_pythonpath="/opt/kit",
    )  # fmt: skip
    service = specs.service_spec(
        lab, lab.service("orders"), RUN, "workbench/shop-orders:abc", network="n",
        workspace=str(tmp_path), image_pythonpath="/opt/kit",
    )  # fmt: skip
    for field in ("user", "read_only", "tmpfs", "cap_drop", "security_opt", "mem_limit"):
        assert getattr(spec, field) == getattr(service, field), field
    assert spec.pids_limit == service.pids_limit
    assert (spec.user, spec.read_only, spec.cap_drop) == (specs.SERVICE_USER, True, ["ALL"])
    assert spec.network_mode == "none"
    assert spec.network is None
    assert spec.ports == {}
    assert spec.image == service.image  # the service's image: kit, libraries, its source
    assert spec.working_dir == specs.SERVICE_DIR
    assert [(m.target, m.source, m.kind, m.read_only) for m in spec.mounts] == [
        (specs.WORKSPACE_MOUNT, str(tmp_path), "bind", True),
        (f"{sandbox.SOURCES_MOUNT}/1", str(tmp_path / "more"), "bind", True),
    ]
    # python -c SCRIPT WORKSPACE PATHS *args LIMIT: the service's own source is in the image.
    assert spec.command == [
        "python", "-c", "print(1)", specs.WORKSPACE_MOUNT,
        f'["{specs.SERVICE_DIR}", "{sandbox.SOURCES_MOUNT}/1"]', "[]", "{}", "0",
    ]  # fmt: skip
    assert spec.environment["PYTHONPATH"] == "/opt/kit"
    assert spec.labels[labels.RUN] == RUN
    assert spec.labels[labels.ROLE] == "precheck"
    assert spec.labels[labels.STATE] == labels.state_key()  # `workbench gc` finds a leftover
    assert spec.name.startswith("wb-shop-1a2b3c4d-precheck-")


def test_the_learner_files_run_in_the_image_of_the_service_that_loads_them(lab: Lab) -> None:
    assert sandbox.learner_service(lab).name == "orders"


def test_a_docker_run_pre_checks_in_a_container_and_a_local_run_on_the_host(
    lab: Lab, tmp_path: Path
) -> None:
    def run(runtime: str) -> Deployment:
        return Deployment(
            lab_id="shop", run_id=RUN, runtime=runtime, run_dir=tmp_path, lab_path=lab.path,
            workspace=None,
            extra={"images": {"orders": "workbench/shop-orders:abc"}},
        )  # fmt: skip

    docker = sandbox_for(lab, run("docker"))
    assert isinstance(docker, sandbox.DockerPython)
    assert docker.run_id == RUN
    assert isinstance(sandbox_for(lab, run("local")), HostPython)
    assert isinstance(sandbox_for(lab, None), HostPython)
