"""The graph built from the fixture shop lab: nodes, typed edges, sidecar grouping, stability."""

from __future__ import annotations

import time

from topology_support import shop_graph, shop_lab

from workbench.topology import build_graph
from workbench.topology.analysis import service_graph


def test_nodes_of_the_shop_lab_with_their_kinds() -> None:
    g = shop_graph()
    kinds = {n: a["kind"] for n, a in g.nodes(data=True)}
    assert kinds == {
        "audit": "service",
        "broker": "broker",
        "gateway": "service",
        "logship": "service",
        "orders": "service",
        "store:orders": "store",
        "subject:order.created": "subject",
        "volume:audit-log": "volume",
    }
    assert list(g.nodes) == sorted(g.nodes), "nodes are inserted in sorted order"


def test_typed_edges_with_labels() -> None:
    g = shop_graph()
    edges = {(u, v, a["kind"], a["label"]) for u, v, a in g.edges(data=True)}
    assert edges == {
        ("gateway", "orders", "http", "POST /orders"),
        ("gateway", "audit", "http", "GET /audit"),
        ("orders", "subject:order.created", "event", ""),
        ("subject:order.created", "audit", "event", ""),
        ("orders", "store:orders", "store", ""),
        ("audit", "volume:audit-log", "volume", ""),
        ("volume:audit-log", "logship", "volume", ""),
        ("logship", "audit", "netns", "localhost"),
    }
    assert all(a["declared"] for _u, _v, a in g.edges(data=True))


def test_events_run_publisher_subject_consumer_on_the_broker() -> None:
    g = shop_graph()
    subject = g.nodes["subject:order.created"]
    assert subject["broker"] == "broker"
    roles = {(u, v): a["role"] for u, v, a in g.edges(data=True) if a["kind"] == "event"}
    assert roles == {
        ("orders", "subject:order.created"): "publish",
        ("subject:order.created", "audit"): "consume",
    }


def test_sidecar_grouping_and_shared_volume() -> None:
    g = shop_graph()
    assert g.graph["sidecar_groups"] == {"audit": ["logship"]}
    assert g.nodes["logship"]["group"] == "audit"
    assert g.nodes["audit"]["group"] == "audit"
    assert g.nodes["gateway"]["group"] is None
    assert g.nodes["volume:audit-log"]["group"] == "audit", "a volume of one group belongs to it"
    ro = g.edges["volume:audit-log", "logship", "volume"]
    assert ro["read_only"] is True
    assert ro["mount"] == "/var/log/audit"


def test_same_lab_same_graph() -> None:
    lab = shop_lab()
    a, b = build_graph(lab), build_graph(lab)
    assert list(a.nodes(data=True)) == list(b.nodes(data=True))
    assert list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True))


def test_service_graph_contracts_events_to_publisher_consumer() -> None:
    s = service_graph(shop_graph())
    assert set(s.nodes) == {"audit", "broker", "gateway", "logship", "orders"}
    assert s.edges["orders", "audit"]["kind"] == "event"
    assert s.edges["orders", "audit"]["labels"] == ["order.created"]
    assert s.edges["gateway", "orders"]["kind"] == "http"


def test_building_is_fast() -> None:
    lab = shop_lab()
    started = time.perf_counter()
    for _ in range(20):
        build_graph(lab)
    assert (time.perf_counter() - started) / 20 < 0.02
