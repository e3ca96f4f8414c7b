"""The analyses labs grade a decomposition with: weighted cut, modularity, a suggested partition,
and the partition forms they accept."""

from __future__ import annotations

import networkx as nx
import pytest

from workbench.topology import (
    group_coupling,
    groups_of,
    instability,
    modularity,
    suggested_partition,
    weighted_cut,
)


def talk() -> nx.Graph:
    """Two chatty pairs joined by one quiet call."""
    g = nx.Graph()
    g.add_edge("browse", "search", weight=8)
    g.add_edge("cart", "checkout", weight=8)
    g.add_edge("search", "cart", weight=1)
    return g


GOOD = [{"browse", "search"}, {"cart", "checkout"}]
BAD = [{"browse", "cart"}, {"search", "checkout"}]


def test_weighted_cut_sums_the_weights_across_groups() -> None:
    assert weighted_cut(talk(), GOOD) == 1
    assert weighted_cut(talk(), BAD) == 17
    assert weighted_cut(talk(), GOOD, weight=None) == 1  # counts edges
    assert weighted_cut(talk(), [set(talk())]) == 0  # one group: nothing crosses


def test_every_partition_form_gives_the_same_figure() -> None:
    g = talk()
    mapping = {"browse": "catalog", "search": "catalog", "cart": "ordering", "checkout": "ordering"}
    nx.set_node_attributes(g, mapping, "context")
    assert weighted_cut(g, mapping) == weighted_cut(g, GOOD) == weighted_cut(g, "context") == 1
    assert modularity(g, mapping) == modularity(g, GOOD) == modularity(g, "context")


def test_nodes_in_no_group_are_groups_alone() -> None:
    assert groups_of(talk(), [{"browse", "search"}]) == [
        {"browse", "search"},
        {"cart"},
        {"checkout"},
    ]
    assert weighted_cut(talk(), [{"browse", "search"}]) == 9


def test_a_node_in_two_groups_is_refused() -> None:
    with pytest.raises(ValueError, match="'cart' is in two groups"):
        groups_of(talk(), [{"cart", "browse"}, {"cart", "search"}])


def test_modularity_rewards_boundaries_that_follow_the_coupling() -> None:
    g = talk()
    good, bad, one = modularity(g, GOOD), modularity(g, BAD), modularity(g, [set(g)])
    assert good > 0.4
    assert bad < 0
    assert one == pytest.approx(0.0)
    assert good == pytest.approx(nx.community.modularity(g, GOOD, weight="weight"))


def test_modularity_ignores_direction_and_sums_parallel_edges() -> None:
    directed = nx.MultiDiGraph()
    directed.add_edge("browse", "search", weight=4)
    directed.add_edge("search", "browse", weight=4)
    directed.add_edge("cart", "checkout", weight=8)
    directed.add_edge("search", "cart", weight=1)
    assert modularity(directed, GOOD) == pytest.approx(modularity(talk(), GOOD))
    assert weighted_cut(directed, GOOD) == 1


def test_a_graph_without_edges_has_modularity_zero() -> None:
    g = nx.Graph()
    g.add_nodes_from("abc")
    assert modularity(g, [{"a"}, {"b", "c"}]) == 0.0


def test_the_suggested_partition_is_the_good_one_and_stable() -> None:
    assert suggested_partition(talk()) == sorted(GOOD, key=sorted)
    assert suggested_partition(talk()) == suggested_partition(talk())


def test_coupling_figures_work_on_a_design_with_contexts() -> None:
    g = nx.MultiDiGraph()
    for node, ctx in {"a": "x", "b": "x", "c": "y"}.items():
        g.add_node(node, context=ctx)
    g.add_edge("a", "c", kind="http")
    g.add_edge("b", "c", kind="http")
    g.add_edge("c", "a", kind="event")
    assert [(c.source_group, c.target_group, c.count) for c in group_coupling(g)] == [
        ("x", "y", 2),
        ("y", "x", 1),
    ]
    assert instability(g) == {"x": 2 / 3, "y": 1 / 3}
