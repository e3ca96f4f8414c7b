"""The terminal drawing: golden snapshots (plain text) at 80 and 120 columns, the live overlay,
12 services at 80x24, and big graphs that never overlap boxes."""

from __future__ import annotations

import itertools

import pytest
import yaml
from topology_support import assert_golden, shop_graph

from workbench.drawing import render
from workbench.drawing.terminal.layout import Rect
from workbench.lab.model import Lab
from workbench.runtime.base import ServiceState, ServiceStatus
from workbench.topology import apply_overlay, build_graph, synthetic

SHOP_STATS = {
    "gateway": {
        "service": "gateway",
        "served": {"/orders": {"201": 5}},
        "calls": {
            "orders": {"count": 5, "errors": 0, "statuses": {"201": 5}},
            "audit": {"count": 4, "errors": 1, "statuses": {"200": 3, "503": 1}},
        },
        "published": {},
        "consumed": {},
    },
    "orders": {
        "service": "orders",
        "served": {"/orders": {"201": 5}},
        # GET /orders/{id}/audit-trail calls audit directly: not declared in lab.yaml
        "calls": {"audit": {"count": 2, "errors": 0, "statuses": {"200": 2}}},
        "published": {"order.created": 5},
        "consumed": {},
    },
    "audit": {
        "service": "audit",
        "served": {},
        "calls": {},
        "published": {},
        "consumed": {"order.created": 5},
    },
    "logship": None,
}


def shop_live() -> object:
    statuses = [
        ServiceStatus("broker", ServiceState.READY, "nats://x"),
        ServiceStatus("gateway", ServiceState.READY, "http://x"),
        ServiceStatus("orders", ServiceState.READY, "http://x", faults=("latency 200ms",)),
        ServiceStatus("audit", ServiceState.READY, "http://x"),
        ServiceStatus("logship", ServiceState.PAUSED, "http://x"),
    ]
    return apply_overlay(shop_graph(), statuses, SHOP_STATS)


@pytest.mark.parametrize("width", [80, 120])
def test_shop_declared_snapshot(width: int) -> None:
    drawing = render(shop_graph(), width)
    assert drawing.width <= width
    assert_golden(f"topology_shop_{width}.txt", drawing.text())


def test_shop_live_snapshot_flags_the_undeclared_call() -> None:
    drawing = render(shop_live(), 120)
    text = drawing.text()
    assert "! undeclared" in text
    assert "● gateway" in text
    assert "◆ orders" in text, "a service with faults is drawn as faulted"
    assert "‖ logship" in text
    assert_golden("topology_shop_live_120.txt", text)


def test_live_colours_follow_state_and_protocol() -> None:
    drawing = render(shop_live(), 120)
    styles = {style for row in drawing.rows for _text, style in row}
    assert {
        "node.ready",
        "node.faulted",
        "node.paused",
        "edge.undeclared",
        "edge.error",
        "edge.event",
    } <= styles
    rich_text = drawing.rich()
    assert rich_text.plain.splitlines() == drawing.lines


def test_click_maps_to_the_service() -> None:
    drawing = render(shop_graph(), 120)
    for node in ("gateway", "orders", "audit", "logship", "broker"):
        box = drawing.boxes[node]
        assert drawing.node_at(box.x + 1, box.y + 1) == node
    assert drawing.node_at(0, 0) is None or drawing.node_at(0, 0) in drawing.boxes
    audit, logship = drawing.boxes["audit"], drawing.boxes["logship"]
    assert audit.x == logship.x, "the sidecar is stacked under its main service"
    assert audit.bottom <= logship.y


TWELVE = """
format_version: 1
id: twelve
title: Twelve services
summary: A shop with a gateway, a broker and ten services.
difficulty: beginner
minutes: 10
services:
  - {name: broker, kind: nats}
  - {name: gateway}
  - {name: catalog, store: catalog.db}
  - {name: cart, store: carts}
  - {name: checkout}
  - {name: pricing}
  - {name: inventory, store: stock.db}
  - {name: payment, store: ledger.db}
  - {name: shipping}
  - {name: email}
  - {name: search}
  - {name: reviews}
links:
  - {from: gateway, to: catalog, protocol: http, label: GET /products}
  - {from: gateway, to: cart, protocol: http, label: /cart}
  - {from: gateway, to: checkout, protocol: http, label: POST /checkout}
  - {from: gateway, to: search, protocol: http, label: GET /search}
  - {from: gateway, to: reviews, protocol: http, label: /reviews}
  - {from: checkout, to: pricing, protocol: http, label: quote}
  - {from: checkout, to: inventory, protocol: http, label: reserve}
  - {from: checkout, to: payment, protocol: http, label: charge}
  - {from: cart, to: pricing, protocol: http, label: quote}
  - {from: checkout, to: shipping, protocol: event, label: order.paid}
  - {from: checkout, to: email, protocol: event, label: order.paid}
  - {from: search, to: catalog, protocol: http, label: index}
"""


def test_twelve_services_fit_80_by_24() -> None:
    lab = Lab.model_validate(yaml.safe_load(TWELVE))
    drawing = render(build_graph(lab), 80, 20, legend=False)
    assert drawing.width <= 80
    assert drawing.height <= 20, "room left for a header and the legend"
    text = drawing.text()
    for service in lab.services:
        assert service.name in text, f"{service.name} is drawn with its full name"
    _assert_no_overlap(drawing.boxes)
    assert_golden("topology_twelve_80.txt", render(build_graph(lab), 80, 20).text())


def _assert_no_overlap(boxes: dict[str, Rect]) -> None:
    for (a, ra), (b, rb) in itertools.combinations(boxes.items(), 2):
        apart = ra.right < rb.x or rb.right < ra.x or ra.bottom < rb.y or rb.bottom < ra.y
        shared_border = ra.x == rb.x and (ra.bottom == rb.y or rb.bottom == ra.y)
        assert apart or shared_border, f"{a} {ra} overlaps {b} {rb}"


@pytest.mark.parametrize(("services", "edges"), [(30, 50), (200, 400)])
def test_big_graphs_never_overlap(services: int, edges: int) -> None:
    g = synthetic(services, edges, contexts=0)
    drawing = render(g, 120)
    assert len(drawing.boxes) == services
    _assert_no_overlap(drawing.boxes)
    assert drawing.width >= 120, "too big for the screen: a wider canvas to scroll"
    lines = drawing.lines
    for node, box in drawing.boxes.items():
        assert lines[box.y][box.x] in "┌╭", f"{node}'s box corner is intact"


def test_big_graph_with_contexts_collapses_to_fit() -> None:
    g = synthetic(200, 400, contexts=8)
    drawing = render(g, 120)
    assert drawing.collapsed
    assert len(drawing.boxes) == 8
    assert "context (collapsed)" in drawing.text()
    _assert_no_overlap(drawing.boxes)
    full = render(g, 120, collapse="never")
    assert not full.collapsed
    assert len(full.boxes) == 200


def test_cycles_are_drawn_with_a_backward_arrow() -> None:
    g = synthetic(3, 0, contexts=0)
    for u, v in (("svc-000", "svc-001"), ("svc-001", "svc-002"), ("svc-002", "svc-000")):
        g.add_edge(u, v, kind="http", label="", declared=True)
    text = render(g, 80, legend=False).text()
    assert "◀" in text
    assert text.count("▶") == 2
