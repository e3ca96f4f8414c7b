"""What each local process gets: environment (the shared conventions) and command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.lab import Lab, load_lab
from workbench.runtime.local import env as localenv

PORTS = {"broker": 4001, "orders": 4002, "audit": 4003, "logship": 4004, "gateway": 4005}


@pytest.fixture(scope="module")
def shop() -> Lab:
    return load_lab(FIXTURE_LABS / "shop")


def env_of(shop: Lab, name: str, tmp_path: Path, base: dict[str, str] | None = None
           ) -> dict[str, str]:  # fmt: skip
    return localenv.service_env(
        shop,
        shop.service(name),
        ports=PORTS,
        run_id="shop-0000abcd",
        run_dir=tmp_path / "run",
        workspace=tmp_path / "ws",
        base=base if base is not None else {"PATH": "/bin"},
    )


def test_peers_broker_and_identity(shop: Lab, tmp_path: Path) -> None:
    env = env_of(shop, "gateway", tmp_path)
    assert env["SERVICE_NAME"] == "gateway"
    assert env["PORT"] == "4005"
    assert env["ORDERS_URL"] == "http://127.0.0.1:4002"
    assert env["AUDIT_URL"] == "http://127.0.0.1:4003"
    assert env["LOGSHIP_URL"] == "http://127.0.0.1:4004"
    assert "GATEWAY_URL" not in env  # not itself
    assert "BROKER_URL" not in env  # the broker is NATS_URL, not a python peer
    assert env["NATS_URL"] == "nats://127.0.0.1:4001"
    assert env["WORKBENCH_LAB"] == "shop"
    assert env["WORKBENCH_RUN_ID"] == "shop-0000abcd"
    assert env["PATH"] == "/bin"  # the parent's environment is kept


def test_workspace_data_and_volumes(shop: Lab, tmp_path: Path) -> None:
    orders = env_of(shop, "orders", tmp_path, base={"PYTHONPATH": "/extra"})
    assert orders["WORKSPACE"] == str(tmp_path / "ws")
    assert orders["PYTHONPATH"] == os.pathsep.join([str(tmp_path / "ws"), "/extra"])
    audit = env_of(shop, "audit", tmp_path, base={"PYTHONPATH": "/extra"})
    assert audit["DATA_DIR"] == str(tmp_path / "run" / "data" / "audit")
    assert audit["VOLUME_AUDIT_LOG"] == str(tmp_path / "run" / "volumes" / "audit-log")
    # The sidecar shares the volume (same folder) and reaches its main service on the loopback.
    logship = env_of(shop, "logship", tmp_path)
    assert logship["VOLUME_AUDIT_LOG"] == audit["VOLUME_AUDIT_LOG"]
    assert logship["AUDIT_URL"] == "http://127.0.0.1:4003"
    assert logship["DATA_DIR"] != audit["DATA_DIR"]
    assert "VOLUME_AUDIT_LOG" not in env_of(shop, "orders", tmp_path)


@pytest.mark.parametrize("name", ["audit", "logship", "gateway"])
def test_a_service_without_learner_code_gets_no_workspace(
    shop: Lab, tmp_path: Path, name: str
) -> None:
    assert not shop.service(name).workspace
    env = env_of(shop, name, tmp_path, base={"PYTHONPATH": "/extra"})
    assert "WORKSPACE" not in env
    assert env["PYTHONPATH"] == "/extra"
    assert "PYTHONPATH" not in env_of(shop, name, tmp_path)
    argv = localenv.uvicorn_argv(shop, shop.service(name), 4003, tmp_path / "ws")
    reload_dirs = [argv[i + 1] for i, a in enumerate(argv) if a == "--reload-dir"]
    assert reload_dirs == [str(shop.path / "services" / name)]  # a save does not restart it


def test_the_lab_env_and_the_gate(shop: Lab, tmp_path: Path) -> None:
    lab = shop.model_copy(update={"services": [
        s.model_copy(update={"env": {"LOG_LEVEL": "debug"}}) if s.name == "orders" else s
        for s in shop.services
    ]})  # fmt: skip
    env = env_of(lab, "orders", tmp_path)
    assert env["LOG_LEVEL"] == "debug"
    assert env["WORKBENCH_APP"] == "app:app"
    assert env["WORKBENCH_GATE"] == str(tmp_path / "run" / "gates" / "orders")


def test_uvicorn_command_reloads_on_service_and_workspace(shop: Lab, tmp_path: Path) -> None:
    argv = localenv.uvicorn_argv(shop, shop.service("orders"), 4002, tmp_path / "ws")
    source = str(shop.path / "services" / "orders")
    assert argv[:4] == [sys.executable, "-m", "uvicorn", "workbench.servicekit.gate:app"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "4002"
    assert argv[argv.index("--app-dir") + 1] == source
    assert "--reload" in argv
    reload_dirs = [argv[i + 1] for i, a in enumerate(argv) if a == "--reload-dir"]
    assert reload_dirs == [source, str(tmp_path / "ws")]
    plain = localenv.uvicorn_argv(shop, shop.service("orders"), 4002, None, gated=False)
    assert plain[3] == "app:app"
    assert [a for a in plain if a == "--reload-dir"] == ["--reload-dir"]


def test_nats_server_comes_from_the_wheel_beside_python(tmp_path: Path) -> None:
    argv = localenv.nats_argv(4222, tmp_path / "store")
    assert Path(argv[0]).name == "nats-server"
    assert Path(argv[0]).is_file()
    assert argv[1:] == ["-a", "127.0.0.1", "-p", "4222", "-js", "-sd", str(tmp_path / "store")]


def test_urls_per_kind(shop: Lab) -> None:
    urls = localenv.service_urls(shop, PORTS)
    assert urls["broker"] == "nats://127.0.0.1:4001"
    assert urls["gateway"] == "http://127.0.0.1:4005"
