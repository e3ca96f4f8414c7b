"""Each analysis on small graphs whose answer is known by hand."""

from __future__ import annotations

import networkx as nx
import pytest

from workbench.topology.analysis import (
    cross_group_edges,
    fan_in,
    fan_out,
    group_coupling,
    instability,
    longest_sync_chain,
    sync_cycles,
)


def graph(
    *edges: tuple[str, str, str],
    contexts: dict[str, str] | None = None,
) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for u, v, kind in edges:
        g.add_edge(u, v, kind=kind)
    for node, ctx in (contexts or {}).items():
        g.nodes[node]["context"] = ctx
    return g


def test_sync_cycles_ignore_events() -> None:
    g = graph(
        ("a", "b", "http"),
        ("b", "c", "http"),
        ("c", "a", "http"),
        ("c", "d", "http"),
        ("d", "c", "event"),
        ("x", "y", "http"),
        ("y", "x", "http"),
    )
    assert sync_cycles(g) == [["x", "y"], ["a", "b", "c"]]


def test_no_cycles_in_a_dag() -> None:
    assert sync_cycles(graph(("a", "b", "http"), ("a", "c", "http"), ("b", "c", "http"))) == []


def test_fan_in_and_fan_out_count_distinct_neighbours() -> None:
    g = graph(("a", "c", "http"), ("a", "c", "http"), ("b", "c", "http"), ("c", "d", "event"))
    assert fan_in(g) == {"a": 0, "b": 0, "c": 2, "d": 1}
    assert fan_out(g) == {"a": 1, "b": 1, "c": 1, "d": 0}
    assert fan_in(g, kinds={"http"})["d"] == 0


def test_edges_without_kind_count_as_http() -> None:
    g = nx.DiGraph([("a", "b"), ("b", "a")])
    assert sync_cycles(g) == [["a", "b"]]


def test_longest_sync_chain_in_a_dag() -> None:
    g = graph(
        ("gw", "orders", "http"),
        ("orders", "pricing", "http"),
        ("pricing", "tax", "http"),
        ("gw", "tax", "http"),
        ("tax", "audit", "event"),
    )
    assert longest_sync_chain(g) == ["gw", "orders", "pricing", "tax"]


def test_longest_sync_chain_with_a_cycle_is_a_simple_path() -> None:
    g = graph(("a", "b", "http"), ("b", "c", "http"), ("c", "a", "http"), ("c", "d", "http"))
    chain = longest_sync_chain(g)
    assert len(chain) == 4
    assert len(set(chain)) == 4
    assert chain[-1] == "d"


def test_longest_chain_of_nothing_is_empty() -> None:
    assert longest_sync_chain(graph(("a", "b", "event"))) == []


def test_coupling_between_groups() -> None:
    ctx = {"o1": "orders", "o2": "orders", "p1": "payments", "s1": "shipping"}
    g = graph(
        ("o1", "o2", "http"),
        ("o1", "p1", "http"),
        ("o2", "p1", "event"),
        ("p1", "s1", "http"),
        ("s1", "o1", "http"),
        contexts=ctx,
    )
    assert cross_group_edges(g) == [
        ("o1", "p1", "http"),
        ("o2", "p1", "event"),
        ("p1", "s1", "http"),
        ("s1", "o1", "http"),
    ]
    couplings = group_coupling(g)
    assert [(c.source_group, c.target_group, c.count) for c in couplings] == [
        ("orders", "payments", 2),
        ("payments", "shipping", 1),
        ("shipping", "orders", 1),
    ]
    assert [c.source_group for c in group_coupling(g, kinds={"http"})] == [
        "orders",
        "payments",
        "shipping",
    ]
    assert instability(g) == {
        "orders": pytest.approx(2 / 3),
        "payments": pytest.approx(1 / 3),
        "shipping": 0.5,
    }


def test_nodes_without_a_group_are_not_coupling() -> None:
    g = graph(("a", "b", "http"), contexts={"a": "x"})
    assert cross_group_edges(g) == []
