"""The live overlay on the real local runtime: states from the runtime, traffic from the service
kits' stats, and the fixture shop's hidden orders -> audit HTTP call flagged as undeclared."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import FIXTURE_LABS

from workbench.app.live import LiveTopology
from workbench.checks import eventually
from workbench.drawing import render
from workbench.lab import load_lab
from workbench.runtime.base import Deployment
from workbench.runtime.local import LocalRuntime
from workbench.topology import undeclared_edges

SHOP = FIXTURE_LABS / "shop"


@pytest.fixture
def running_shop() -> Iterator[tuple[LocalRuntime, Deployment]]:
    runtime = LocalRuntime()
    deployment = runtime.up(load_lab(SHOP), SHOP / "solution", deadline=60)
    try:
        yield runtime, deployment
    finally:
        runtime.down(deployment)


def test_overlay_flags_the_undeclared_call(
    running_shop: tuple[LocalRuntime, Deployment],
) -> None:
    runtime, deployment = running_shop
    gateway = deployment.url("gateway")
    order = httpx.post(
        f"{gateway}/orders",
        json={"items": [{"sku": "tea", "quantity": 2, "unit_cents": 350}]},
        timeout=10,
    ).json()
    with LiveTopology(load_lab(SHOP)) as topology:
        before = topology.refresh(deployment, runtime)
        assert undeclared_edges(before) == [], "nothing undeclared happened yet"
        assert before.nodes["orders"]["state"] == "ready"

        trail = httpx.get(
            f"{deployment.url('orders')}/orders/{order['id']}/audit-trail", timeout=10
        )
        assert trail.status_code == 200
        graph = topology.refresh(deployment, runtime)

    assert undeclared_edges(graph) == [("orders", "audit", "http")]
    edge = graph.edges["orders", "audit", "http:observed"]
    assert edge["calls"] == 1
    assert edge["undeclared"] is True
    declared = graph.edges["gateway", "orders", "http:POST /orders"]
    assert declared["calls"] >= 1, "the order went through (health probes count too)"
    assert not declared.get("undeclared"), "declared calls are not flagged"
    publish = graph.edges["orders", "subject:order.created", "event"]
    assert publish["count"] == 1
    consumed = eventually(
        lambda: topology_count(deployment, runtime),
        within=10,
        message="audit never consumed order.created",
    )
    assert consumed == 1
    assert "! undeclared ×1" in render(graph, 120).text()


def topology_count(deployment: Deployment, runtime: LocalRuntime) -> int | None:
    with LiveTopology(load_lab(SHOP)) as topology:
        g = topology.refresh(deployment, runtime)
    return g.edges["subject:order.created", "audit", "event"].get("count")


def test_paused_service_is_shown_paused(running_shop: tuple[LocalRuntime, Deployment]) -> None:
    runtime, deployment = running_shop
    runtime.pause(deployment, "audit")
    try:
        with LiveTopology(load_lab(SHOP)) as topology:
            g = topology.refresh(deployment, runtime)
        assert g.nodes["audit"]["state"] == "paused"
        assert "‖ audit" in render(g, 120).text()
    finally:
        runtime.resume(deployment, "audit")


def test_cli_graph_of_a_running_lab(
    running_shop: tuple[LocalRuntime, Deployment], fixture_labs: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "graph", "shop", "--width", "120"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "running on local" in result.stdout
    assert "● gateway" in result.stdout
