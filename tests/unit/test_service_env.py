"""The service environment contract: both runtimes write it, the service kit reads it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench import service_env as contract
from workbench.lab import Lab, load_lab
from workbench.runtime.docker import specs
from workbench.runtime.local import env as localenv
from workbench.servicekit.config import Settings

PORTS = {"broker": 4001, "orders": 4002, "audit": 4003, "logship": 4004, "gateway": 4005}
RUN = "shop-0000abcd"


@pytest.fixture(scope="module")
def shop() -> Lab:
    return load_lab(FIXTURE_LABS / "shop")


def test_names_round_trip() -> None:
    assert contract.env_key("payment-gateway") == "PAYMENT_GATEWAY"
    assert contract.lab_name("PAYMENT_GATEWAY") == "payment-gateway"
    assert contract.peer_var("payment-gateway") == "PAYMENT_GATEWAY_URL"
    assert contract.volume_var("audit-log") == "VOLUME_AUDIT_LOG"


def test_the_builder_is_what_the_kit_reads() -> None:
    env = contract.service_env(
        service="gateway", port=8000, lab="shop", run_id=RUN,
        peers={"orders": "http://orders:8000/", "gateway": "http://gateway:8000"},
        nats_url="nats://broker:4222", data_dir="/data", volumes={"audit-log": "/var/audit"},
        workspace="/workspace",
    )  # fmt: skip
    assert "GATEWAY_URL" not in env  # never itself
    assert contract.APP not in env and contract.GATE not in env  # only for a gated start
    settings = Settings.from_env(env=env)
    assert settings.service == "gateway"
    assert settings.peers == {"orders": "http://orders:8000"}
    assert settings.nats_url == "nats://broker:4222"
    assert settings.volumes == {"audit-log": Path("/var/audit")}
    assert (settings.workspace, settings.data_dir) == (Path("/workspace"), Path("/data"))
    assert (settings.lab, settings.run_id, settings.port) == ("shop", RUN, 8000)


@pytest.mark.parametrize("name", ["orders", "audit", "gateway", "logship"])
def test_both_runtimes_write_the_same_contract(shop: Lab, name: str, tmp_path: Path) -> None:
    service = shop.service(name)
    local = localenv.service_env(
        shop, service, ports=PORTS, run_id=RUN, run_dir=tmp_path, workspace=tmp_path, base={}
    )
    # service_spec mounts the workspace only into services that load learner files.
    docker = specs.service_env(shop, service, RUN, workspace=service.workspace, gated=True)
    local_settings = Settings.from_env(env=local)
    docker_settings = Settings.from_env(env=docker)
    assert set(local_settings.peers) == set(docker_settings.peers)
    assert set(local_settings.volumes) == set(docker_settings.volumes)
    assert (local_settings.nats_url is None) == (docker_settings.nats_url is None)
    assert (local_settings.workspace is None) == (docker_settings.workspace is None)
    runtime_only = {"PYTHONPATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    assert set(local) - runtime_only == set(docker) - runtime_only
