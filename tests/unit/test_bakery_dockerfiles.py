"""The Dockerfiles, labels and wheel requirements the bakery writes (no engine needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench.bakery import base, nats, service
from workbench.bakery.root import PythonTarget
from workbench.bakery.tags import repository
from workbench.bakery.wheels import constraints, requirements
from workbench.dockerengine.labels import ImageKind, image_labels, label_instruction
from workbench.errors import WorkbenchError
from workbench.lab.loader import load_lab

SHOP = Path(__file__).resolve().parents[1] / "fixtures" / "labs" / "shop"
NETWORK_TOOLS = re.compile(r"\b(curl|wget|apt-get|pip download|--index-url)\b")


def instructions(dockerfile: str) -> list[str]:
    joined = dockerfile.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip()]


def test_base_installs_only_from_the_context_and_runs_as_10001() -> None:
    text = base.dockerfile("workbench/root:bookworm-x")
    lines = instructions(text)
    assert lines[0] == "FROM workbench/root:bookworm-x AS venv"
    assert "--no-index" in text
    assert "--find-links /tmp/wheels" in text
    assert not NETWORK_TOOLS.search(text), "nothing in a build may fetch from the network"
    final = lines[lines.index("FROM workbench/root:bookworm-x") :]
    assert "COPY --from=venv /opt/venv /opt/venv" in final, "wheels stay out of the final image"
    assert not any(line.startswith("COPY wheels") for line in final)
    assert final[-1] == "USER 10001:10001"
    assert any("PYTHONPATH=/opt/kit" in line for line in final)
    assert any("workbench-kit.pth" in line for line in lines), "kit importable whatever PYTHONPATH"
    assert any("chown 10001:10001 /data" in line for line in final)


def test_a_thin_image_holds_the_service_code_and_its_volume_folders() -> None:
    lab = load_lab(SHOP)
    audit = lab.service("audit")
    lines = instructions(service.dockerfile("workbench/base:abc", audit))
    assert lines[:2] == ["FROM workbench/base:abc", "COPY service/ /srv/service/"]
    assert "COPY --chown=10001:10001 empty/ /var/log/audit/" in lines
    cmd = next(line for line in lines if line.startswith("CMD "))
    assert json.loads(cmd[4:]) == ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]
    logship = lab.service("logship")
    assert "EXPOSE 8001" in instructions(service.dockerfile("b", logship))
    assert service.service_repository(lab, audit) == "workbench/shop-audit"


def test_the_broker_image_is_scratch_plus_the_static_binary() -> None:
    lines = instructions(nats.DOCKERFILE)
    assert lines[0] == "FROM scratch"
    assert "COPY nats-server /nats-server" in lines
    assert 'ENTRYPOINT ["/nats-server"]' in lines
    assert "USER 10001:10001" in lines
    assert nats.nats_binary().is_file()


def test_labels_are_one_quoted_instruction_in_the_namespace() -> None:
    labels = image_labels(ImageKind.SERVICE, "d" * 64, lab="shop", service="orders")
    assert set(labels) == {
        "io.workbench.kind",
        "io.workbench.hash",
        "io.workbench.version",
        "io.workbench.lab",
        "io.workbench.service",
    }
    line = label_instruction({"io.workbench.lab": 'a "b"'})
    assert line == 'LABEL io.workbench.lab="a \\"b\\""'


def test_the_image_prefix_can_be_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert repository() == "workbench"
    monkeypatch.setenv("WORKBENCH_IMAGE_PREFIX", "wbcold")
    assert repository() == "wbcold"


def test_wheels_are_pinned_to_what_the_workbench_itself_runs() -> None:
    from importlib.metadata import version

    pins = requirements()
    assert f"fastapi=={version('fastapi')}" in pins
    assert f"uvicorn[standard]=={version('uvicorn')}" in pins
    assert any(pin.startswith("nats-py==") for pin in pins)
    names = {pin.split("==")[0] for pin in constraints()}
    assert {"pydantic", "pydantic-core", "starlette", "anyio", "h11"} <= names


def test_pip_gets_every_manylinux_tag_the_root_can_run() -> None:
    target = PythonTarget("3.11", "glibc-2.36", "x86_64")
    tags = target.platforms
    assert tags[0] == "manylinux_2_36_x86_64"
    assert {"manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"} <= set(tags)
    assert "manylinux_2_37_x86_64" not in tags
    with pytest.raises(WorkbenchError, match="manylinux"):
        _ = PythonTarget("3.11", "", "x86_64").platforms


def test_superseded_images_are_all_but_the_newest_of_each_repository() -> None:
    from workbench.bakery.images import BakedImageInfo, human_age, human_size, superseded

    def image(tag: str, kind: str, created: float, service: str | None = None) -> BakedImageInfo:
        return BakedImageInfo(
            tag, f"id-{tag}", kind, "shop" if service else None, service, 1, created
        )

    images = [
        image("workbench/base:old", "base", 1),
        image("workbench/base:new", "base", 2),
        image("workbench/shop-orders:a", "service", 1, "orders"),
        image("workbench/shop-orders:b", "service", 3, "orders"),
        image("workbench/shop-audit:c", "service", 1, "audit"),
        image("wbcold/base:x", "base", 0),
        image("sha256:0123", "stage", 5),
    ]
    assert [i.tag for i in superseded(images)] == [
        "workbench/base:old",
        "workbench/shop-orders:a",
        "sha256:0123",
    ]
    assert human_size(218_200_000) == "218.2 MB"
    assert human_age(59) == "59 s"
    assert human_age(7200) == "2 h"
