"""What the Docker runtime asks the engine for, checked without an engine: names, labels,
environment, mounts, hardening, edge routes and start order of the fixture shop lab."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench import __version__
from workbench.dockerengine import labels
from workbench.errors import WorkbenchError
from workbench.lab import load_lab
from workbench.lab.model import Lab
from workbench.runtime.docker import edge, names, specs

SHOP = FIXTURE_LABS / "shop"
RUN = "shop-1a2b3c4d"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(SHOP)


def spec(lab: Lab, service: str, workspace: str | None = "/home/me/shop") -> specs.ContainerSpec:
    return specs.service_spec(
        lab,
        lab.service(service),
        RUN,
        f"workbench/shop-{service}:abc",
        network="wb-shop-1a2b3c4d",
        workspace=workspace,
        image_pythonpath="/opt/kit",
    )


def test_names_carry_lab_service_and_run() -> None:
    assert names.container_name("shop", "orders", RUN) == "wb-shop-orders-1a2b3c4d"
    assert names.network_name("shop", RUN) == "wb-shop-1a2b3c4d"
    assert names.network_name("shop", RUN, "quarantine") == "wb-shop-1a2b3c4d-quarantine"
    assert names.volume_name("shop", RUN, "data-audit") == "wb-shop-1a2b3c4d-data-audit"
    assert names.role_container_name("shop", RUN, "edge") == "wb-shop-1a2b3c4d-edge"


def test_two_runs_of_one_lab_never_share_a_name(lab: Lab) -> None:
    other = "shop-99887766"
    container_names = {
        specs.service_spec(
            lab, s, run, "img", network=names.network_name("shop", run), workspace=None
        ).name
        for run in (RUN, other)
        for s in lab.services
    }
    assert len(container_names) == 2 * len(lab.services)


def test_labels_name_lab_run_service_version_and_state(
    isolated_state: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    found = labels.run_labels("shop", RUN, service="orders", role="service")
    assert found == {
        "io.workbench.lab": "shop",
        "io.workbench.run": RUN,
        "io.workbench.service": "orders",
        "io.workbench.version": __version__,
        "io.workbench.state": labels.state_key(),
        "io.workbench.role": "service",
    }
    # Another state folder (another user, another test) gets another state label.
    monkeypatch.setenv("WORKBENCH_STATE_DIR", str(tmp_path / "elsewhere"))
    assert labels.state_key() != found["io.workbench.state"]
    assert labels.state_filter() == {"label": [f"io.workbench.state={labels.state_key()}"]}
    assert labels.state_filter(everything=True) == {"label": ["io.workbench.state"]}


def test_user_labels_in_the_reserved_namespace_are_rejected() -> None:
    assert labels.run_labels("shop", RUN, extra={"team": "blue"})["team"] == "blue"
    with pytest.raises(WorkbenchError, match=r"io\.workbench\.run.*reserved"):
        labels.run_labels("shop", RUN, extra={"io.workbench.run": "mine"})


def test_every_container_is_hardened(lab: Lab) -> None:
    containers = [spec(lab, s.name) for s in lab.services]
    containers.append(edge.edge_spec(lab, RUN, "img", network="net"))
    for c in containers:
        assert c.user == "10001:10001", c.name
        assert c.read_only, c.name
        assert c.tmpfs == {"/tmp": ""}, c.name
        assert c.cap_drop == ["ALL"], c.name
        assert not c.cap_add, c.name
        assert c.security_opt == ["no-new-privileges"], c.name
        assert c.mem_limit, c.name
        assert c.pids_limit, c.name


def test_only_the_brokers_volume_is_primed_and_primers_never_run_as_root(lab: Lab) -> None:
    primers = specs.primer_specs(lab, RUN, "workbench/base:x")
    assert [[m.source for m in p.mounts] for p in primers] == [["wb-shop-1a2b3c4d-data-broker"]]
    primer = primers[0]
    assert primer.mounts[0].target == "/data"  # the base image's folder owned by uid 10001
    assert primer.user == "10001:10001"
    assert primer.network_mode == "none"
    assert primer.labels["io.workbench.role"] == "primer"


def test_gated_start_runs_the_gate_and_names_the_app(lab: Lab) -> None:
    orders = specs.service_spec(
        lab, lab.service("orders"), RUN, "img", network="net", workspace="/ws",
        image_pythonpath="/opt/kit", gate_dir="/state/runs/shop-1a2b3c4d/gate",
    )  # fmt: skip
    assert orders.command[3] == "wbgate:app"
    assert orders.environment["WORKBENCH_APP"] == "app:app"
    assert orders.environment["WORKBENCH_GATE"] == "/opt/wbgate/open/orders"
    assert orders.environment["PYTHONPATH"] == "/workspace:/opt/wbgate:/opt/kit"
    gate = {m.target: m for m in orders.mounts}["/opt/wbgate"]
    assert gate.kind == "bind"
    assert gate.read_only


def test_python_service_environment(lab: Lab) -> None:
    env = spec(lab, "gateway").environment
    assert env["SERVICE_NAME"] == "gateway"
    assert env["PORT"] == "8000"
    assert env["ORDERS_URL"] == "http://orders:8000"
    assert env["AUDIT_URL"] == "http://audit:8000"
    # A sidecar has no DNS name of its own: it answers on its main service's name.
    assert env["LOGSHIP_URL"] == "http://audit:8001"
    assert "GATEWAY_URL" not in env
    assert "BROKER_URL" not in env  # the broker is NATS_URL, not a peer
    assert env["NATS_URL"] == "nats://broker:4222"
    assert env["DATA_DIR"] == "/data"
    assert env["WORKBENCH_LAB"] == "shop"
    assert env["WORKBENCH_RUN_ID"] == RUN
    assert "WATCHFILES_FORCE_POLLING" not in env


def test_declared_volumes_become_env_and_shared_mounts(lab: Lab) -> None:
    audit, logship = spec(lab, "audit"), spec(lab, "logship")
    assert audit.environment["VOLUME_AUDIT_LOG"] == "/var/log/audit"
    assert logship.environment["VOLUME_AUDIT_LOG"] == "/var/log/audit"
    audit_log = {m.target: m for m in audit.mounts}["/var/log/audit"]
    shipped = {m.target: m for m in logship.mounts}["/var/log/audit"]
    assert audit_log.source == shipped.source == "wb-shop-1a2b3c4d-vol-audit-log"
    assert not audit_log.read_only
    assert shipped.read_only
    # Each service has its own DATA_DIR volume.
    data = {c.service: {m.target: m.source for m in c.mounts}["/data"] for c in (audit, logship)}
    assert data == {
        "audit": "wb-shop-1a2b3c4d-data-audit",
        "logship": "wb-shop-1a2b3c4d-data-logship",
    }


def test_every_volume_is_labelled_with_the_run(lab: Lab) -> None:
    volumes = specs.volumes_of(lab, RUN)
    assert sorted(v.owner for v in volumes) == [
        "data-audit",
        "data-broker",
        "data-gateway",
        "data-logship",
        "data-orders",
        "vol-audit-log",
    ]
    for volume in volumes:
        assert volume.labels["io.workbench.run"] == RUN
        assert volume.name.startswith("wb-shop-1a2b3c4d-")


def test_workspace_is_mounted_read_only_and_watched(lab: Lab) -> None:
    orders = spec(lab, "orders")
    workspace = {m.target: m for m in orders.mounts}["/workspace"]
    assert workspace.kind == "bind"
    assert workspace.read_only
    assert workspace.source == "/home/me/shop"
    command = orders.command
    assert command[:4] == ["python", "-m", "uvicorn", "app:app"]
    assert "--reload" in command
    dirs = [command[i + 1] for i, part in enumerate(command) if part == "--reload-dir"]
    assert dirs == ["/srv/service", "/workspace"]


def test_workspace_env_for_the_service_that_loads_learner_files(lab: Lab) -> None:
    env = spec(lab, "orders").environment
    assert env["WORKSPACE"] == "/workspace"
    assert env["PYTHONPATH"] == "/workspace:/opt/kit"


@pytest.mark.parametrize("name", ["audit", "logship", "gateway"])
def test_a_service_without_learner_code_gets_no_workspace(lab: Lab, name: str) -> None:
    assert not lab.service(name).workspace
    container = spec(lab, name, workspace="/home/me/shop")
    assert "/workspace" not in {m.target for m in container.mounts}
    assert "WORKSPACE" not in container.environment
    assert container.environment["PYTHONPATH"] == "/opt/kit"
    command = container.command
    dirs = [command[i + 1] for i, part in enumerate(command) if part == "--reload-dir"]
    assert dirs == ["/srv/service"]  # a save in the workspace does not restart it


def test_without_workspace_nothing_is_mounted_there(lab: Lab) -> None:
    orders = spec(lab, "orders", workspace=None)
    assert "/workspace" not in {m.target for m in orders.mounts}
    assert "WORKSPACE" not in orders.environment
    assert orders.environment["PYTHONPATH"] == "/opt/kit"
    assert "/workspace" not in orders.command


def test_sidecar_joins_its_main_network_namespace(lab: Lab) -> None:
    logship = spec(lab, "logship")
    assert logship.network_mode == "container:wb-shop-audit-1a2b3c4d"
    assert logship.network is None
    assert logship.hostname is None
    assert not logship.ports
    audit = spec(lab, "audit")
    assert audit.network == "wb-shop-1a2b3c4d"
    assert audit.aliases == ["audit"]


def test_broker_runs_jetstream_with_its_store_on_a_volume(lab: Lab) -> None:
    broker = spec(lab, "broker")
    assert broker.command == ["-a", "0.0.0.0", "-p", "4222", "-js", "-sd", "/data"]
    assert {m.target: m.source for m in broker.mounts} == {"/data": "wb-shop-1a2b3c4d-data-broker"}
    assert broker.aliases == ["broker"]


def test_no_service_publishes_ports_only_the_edge_on_loopback(lab: Lab) -> None:
    assert all(not spec(lab, s.name).ports for s in lab.services)
    edge_container = edge.edge_spec(lab, RUN, "img", network="wb-shop-1a2b3c4d")
    assert edge_container.ports
    assert all(host == ("127.0.0.1", None) for host in edge_container.ports.values())
    assert edge_container.network == "wb-shop-1a2b3c4d"
    assert edge_container.also_on == ["bridge"]


def test_edge_routes_reach_sidecars_through_their_main(lab: Lab) -> None:
    routes = {r.service: r for r in edge.routes(lab)}
    assert (routes["logship"].host, routes["logship"].port) == ("audit", 8001)
    assert (routes["broker"].host, routes["broker"].port, routes["broker"].kind) == (
        "broker",
        4222,
        "nats",
    )
    assert len({r.listen for r in routes.values()}) == len(routes)
    spec_text = edge.forward_spec(list(routes.values()))
    assert "=audit:8001" in spec_text
    assert "=orders:8000" in spec_text


def test_image_pythonpath_is_extended_not_replaced() -> None:
    assert specs.image_pythonpath(["PATH=/x", "PYTHONPATH=/opt/kit"]) == "/opt/kit"
    assert specs.image_pythonpath(["PATH=/x"]) is None
    assert specs.image_pythonpath(None) is None


def test_docker_desktop_gets_polling_for_reload(lab: Lab) -> None:
    env = specs.service_env(lab, lab.service("orders"), RUN, workspace=True, force_polling=True)
    assert env["WATCHFILES_FORCE_POLLING"] == "true"


def test_waves_start_dependencies_first_and_sidecars_after_their_main(lab: Lab) -> None:
    waves = [[s.name for s in wave] for wave in lab.start_order()]
    assert waves == [["broker"], ["audit", "orders"], ["gateway", "logship"]]
    assert [s.name for s in specs.main_services(lab)] == [
        "broker",
        "orders",
        "audit",
        "gateway",
    ]
    assert [s.name for s in specs.sidecars_of(lab, "audit")] == ["logship"]


def test_the_lab_network_is_internal_unless_the_lab_allows_egress(lab: Lab) -> None:
    from workbench.runtime.docker.network import lab_network_options

    closed = lab_network_options(lab, RUN)
    assert closed["name"] == "wb-shop-1a2b3c4d"
    assert closed["internal"] is True
    assert closed["labels"]["io.workbench.run"] == RUN
    open_lab = lab.model_copy(update={"network": lab.network.model_copy(update={"egress": True})})
    assert lab_network_options(open_lab, RUN)["internal"] is False
