"""Externals (a browser, a carrier) are drawn outside every context: a dashed box of their own in
the terminal, never inside a cluster in DOT, Mermaid and images."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import networkx as nx
import pytest
from support import MIXED_LABS
from topology_support import assert_golden

from workbench.drawing import render, to_dot, to_mermaid
from workbench.drawing.export.images import render_image
from workbench.drawing.export.structure import clusters
from workbench.lab import load_lab
from workbench.topology import NodeKind, apply_overlay, build_graph


def decompose_graph() -> nx.MultiDiGraph:
    return build_graph(load_lab(MIXED_LABS / "decompose"))


def test_externals_are_declared_nodes_outside_every_context() -> None:
    g = decompose_graph()
    for name, description in (
        ("browser", "The shopper's web browser"),
        ("carrier", "The parcel carrier's API"),
    ):
        attrs = g.nodes[name]
        assert attrs["kind"] == NodeKind.EXTERNAL.value
        assert attrs["declared"] is True
        assert attrs["description"] == description
        assert attrs["context"] is None and attrs["group"] is None
    assert g.has_edge("browser", "catalog") and g.has_edge("catalog", "carrier")


def test_terminal_draws_externals_as_dashed_boxes_with_their_description() -> None:
    text = render(decompose_graph(), 120).text()
    assert_golden("topology_decompose_120.txt", text)
    assert "╎ browser" in text and "┌╌╌" in text
    assert "The shopper's web" in text
    assert "outside the system" in text  # the legend


def test_an_undeclared_peer_still_says_it_is_not_in_lab_yaml() -> None:
    stats = {"catalog": {"calls": {"pricing-api": {"count": 2, "errors": 0, "statuses": {}}}}}
    g = apply_overlay(decompose_graph(), None, stats)
    assert g.nodes["pricing-api"]["declared"] is False
    assert "not in lab.yaml" in render(g, 160).text()


def with_contexts() -> nx.MultiDiGraph:
    """Services in contexts, and an external that (wrongly) carries a context too."""
    g = nx.MultiDiGraph(lab="ctx", title="contexts")
    g.add_node("web", kind="external", label="web", context="shop", declared=True)
    for name, ctx in (("a", "shop"), ("b", "shop"), ("c", "billing")):
        g.add_node(name, kind="service", label=name, context=ctx)
    g.add_edge("web", "a", key="http", kind="http", label="")
    g.add_edge("a", "b", key="http", kind="http", label="")
    g.add_edge("b", "c", key="http", kind="http", label="")
    return g


def test_an_external_never_collapses_into_a_context() -> None:
    drawing = render(with_contexts(), 100, collapse="always")
    assert "web" in drawing.boxes  # its own box, beside the collapsed contexts
    assert "context:shop" in drawing.boxes


def test_exports_keep_externals_out_of_every_cluster() -> None:
    g = with_contexts()
    top, roots = clusters(g)
    assert "web" in top
    assert all("web" not in c.nodes for c in roots)
    dot = to_dot(g)
    inside = dot.split('subgraph "cluster_context_shop"', 1)[1].split("}", 1)[0]
    assert '"web"' not in inside
    assert '"web" [label="web", shape="box", style="dashed"];' in dot
    mermaid = to_mermaid(g)
    shop = mermaid.split('subgraph context_shop["shop"]', 1)[1].split("end", 1)[0]
    assert "ext_web" not in shop
    assert '  ext_web(["web"])' in mermaid


def test_golden_exports_of_a_lab_with_externals() -> None:
    g = decompose_graph()
    assert_golden("topology_decompose.dot", to_dot(g))
    assert_golden("topology_decompose.mmd", to_mermaid(g))
    assert "class ext_browser,ext_carrier external" in to_mermaid(g)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_images_draw_externals_beside_the_clusters(tmp_path: Path) -> None:
    svg = render_image(with_contexts(), "svg", tmp_path, "ctx").read_text()
    boxes = []  # each cluster's outline, as x and y ranges
    for outline in re.findall(r'class="cluster">.*?<path [^>]* d="([^"]+)"', svg, flags=re.S):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", outline)]
        xs, ys = numbers[0::2], numbers[1::2]
        boxes.append((min(xs), max(xs), min(ys), max(ys)))
    assert len(boxes) == 2, "the two contexts are clusters"

    def inside(label: str) -> bool:
        x, y = (float(v) for v in re.findall(rf'x="([-\d.]+)" y="([-\d.]+)"[^>]*>{label}<', svg)[0])
        return any(x0 <= x <= x1 and y0 <= y <= y1 for x0, x1, y0, y1 in boxes)

    assert inside("a") and inside("c")  # services are in their contexts
    assert not inside("web")  # the external, carrying a context, is still outside
