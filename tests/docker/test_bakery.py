"""The bakery against a real engine: bake the fixture shop lab, rebake nothing, rebake one edit.

The lab is a private copy with a unique id, so its service images are this test's alone (removed
at the end); the root, base and broker images are the machine's shared cache and stay. On a
machine with no cache at all, the first bake here is the cold path: debootstrap + docker import.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Iterator

import pytest
from support import FIXTURE_LABS, docker_required

from workbench.bakery.bake import BakeReport, bake_lab, ensure_images
from workbench.bakery.images import list_images, prune_images
from workbench.dockerengine.labels import HASH, KIND, LAB, SERVICE, VERSION
from workbench.lab.loader import load_lab
from workbench.lab.model import Lab

pytestmark = [pytest.mark.docker, pytest.mark.timeout(900)]  # a cold bake runs debootstrap

PYTHON_SERVICES = {"orders", "audit", "logship", "gateway"}


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    import docker

    try:
        engine = docker.from_env(timeout=300)
        engine.ping()
    except docker.errors.DockerException as exc:
        if docker_required():
            pytest.fail(f"WORKBENCH_REQUIRE_DOCKER=1 but no Docker engine answers: {exc}")
        pytest.skip(f"no Docker engine answers: {exc}")
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    lab_id = f"bk{secrets.token_hex(4)}"
    folder = tmp_path_factory.mktemp("labs") / lab_id
    shutil.copytree(FIXTURE_LABS / "shop", folder, ignore=shutil.ignore_patterns("__pycache__"))
    yaml = folder / "lab.yaml"
    yaml.write_text(re.sub(r"(?m)^id: shop$", f"id: {lab_id}", yaml.read_text()))
    return load_lab(folder)


@pytest.fixture(scope="module")
def baked(client: object, lab: Lab) -> Iterator[BakeReport]:
    report = bake_lab(lab, client=client)  # type: ignore[arg-type]
    yield report
    prune_images(client, lab.id)  # type: ignore[arg-type]


def labels_of(client: object, tag: str) -> dict[str, str]:
    return dict(client.images.get(tag).labels)  # type: ignore[attr-defined]


def test_every_service_gets_a_labelled_image(client: object, lab: Lab, baked: BakeReport) -> None:
    assert set(baked.services) == {*PYTHON_SERVICES, "broker"}
    thin = {i.service for i in baked.built if i.kind == "service"}
    assert thin == PYTHON_SERVICES, "a new lab's thin images are all built"
    for name in PYTHON_SERVICES:
        tag = baked.services[name]
        assert tag.startswith(f"workbench/{lab.id}-{name}:")
        labels = labels_of(client, tag)
        assert labels[KIND] == "service"
        assert labels[LAB] == lab.id
        assert labels[SERVICE] == name
        assert labels[VERSION]
        assert labels[HASH].startswith(tag.rsplit(":", 1)[1])
    assert labels_of(client, baked.services["broker"])[KIND] == "nats"
    base = next(i.tag for i in baked.images if i.image == "base")
    assert labels_of(client, base)[KIND] == "base"


def test_a_second_bake_builds_nothing(client: object, lab: Lab, baked: BakeReport) -> None:
    started = time.monotonic()
    again = bake_lab(lab, client=client)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    assert again.built == []
    assert again.services == baked.services
    assert elapsed < 5, f"a no-op bake took {elapsed:.1f} s"
    assert ensure_images(lab) == baked.services


def test_editing_one_file_rebuilds_only_that_service(
    client: object, lab: Lab, baked: BakeReport
) -> None:
    app = lab.path / "services" / "orders" / "app.py"
    app.write_text(app.read_text() + "\n# an edit by the bakery test\n")
    rebaked = bake_lab(lab, client=client)  # type: ignore[arg-type]
    assert [image.service for image in rebaked.built] == ["orders"]
    assert rebaked.services["orders"] != baked.services["orders"]
    for name in PYTHON_SERVICES - {"orders"}:
        assert rebaked.services[name] == baked.services[name]

    pruned = prune_images(client, lab.id, only_superseded=True)  # type: ignore[arg-type]
    assert pruned.removed == [baked.services["orders"]], "only the replaced image goes"
    assert client.images.get(rebaked.services["orders"])  # type: ignore[attr-defined]


def test_the_base_imports_everything_as_10001_without_network(
    client: object, baked: BakeReport
) -> None:
    base = next(i.tag for i in baked.images if i.image == "base")
    output = client.containers.run(  # type: ignore[attr-defined]
        base,
        [
            "python",
            "-c",
            "import fastapi, uvicorn, httpx, nats, workbench.servicekit, os; print(os.getuid())",
        ],
        user="10001:10001",
        network_mode="none",
        remove=True,
    )
    assert output.decode().strip() == "10001"


def test_a_thin_image_has_the_code_and_a_volume_folder_it_may_write(
    client: object, baked: BakeReport
) -> None:
    script = (
        "import os, pathlib; print(os.getcwd(), pathlib.Path('app.py').is_file(), "
        "os.stat('/var/log/audit').st_uid, os.getuid())"
    )
    output = client.containers.run(  # type: ignore[attr-defined]
        baked.services["audit"], ["python", "-c", script], network_mode="none", remove=True
    )
    assert output.decode().split() == ["/srv/service", "True", "10001", "10001"]


def test_the_broker_image_is_the_static_nats_server(client: object, baked: BakeReport) -> None:
    output = client.containers.run(  # type: ignore[attr-defined]
        baked.services["broker"], ["--version"], network_mode="none", remove=True
    )
    assert output.decode().startswith("nats-server: v")


def test_listing_and_pruning_one_labs_images(client: object, lab: Lab, baked: BakeReport) -> None:
    mine = list_images(client, lab.id)  # type: ignore[arg-type]
    assert {info.service for info in mine} == PYTHON_SERVICES
    assert all(info.size > 0 and info.age() < 3600 for info in mine)
    base = next(i.tag for i in baked.images if i.image == "base")
    result = prune_images(client, lab.id)  # type: ignore[arg-type]
    assert len(result.removed) == len(mine)
    assert list_images(client, lab.id) == []  # type: ignore[arg-type]
    assert client.images.get(base), "the shared base stays"  # type: ignore[attr-defined]
