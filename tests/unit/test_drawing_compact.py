"""The compact topology drawing fits 80 columns for the shipped labs and a lab of 8 services:
titles only, stores folded into their service as ▣, every label listed under the drawing."""

from __future__ import annotations

import networkx as nx

from workbench.app.live import declared_graph
from workbench.drawing import render
from workbench.lab import find_lab


def test_shipped_labs_fit_80_columns_compact() -> None:
    for lab_id in ("saga", "cqrs"):
        drawing = render(declared_graph(find_lab(lab_id)), width=78, compact=True)
        assert max(len(line) for line in drawing.lines) <= 78, lab_id
        text = drawing.text()
        assert "▣ stores:" in text
        assert "│ db " not in text  # no detail lines in the boxes


def test_eight_services_fit_and_keep_their_labels() -> None:
    g = nx.MultiDiGraph()
    names = ["gateway", "orders", "payment", "inventory", "shipping", "notify", "audit", "search"]
    for name in names:
        g.add_node(name, kind="service", label=name)
    g.add_node("orders-db", kind="store", label="orders.db")
    g.add_edge("orders", "orders-db", kind="store")
    for target in names[1:5]:
        g.add_edge("gateway", target, kind="http", label=f"call {target} with a long label")
    for target in names[5:]:
        g.add_edge("orders", target, kind="http", label=f"tell {target}")
    full = render(g, width=78)
    compact = render(g, width=78, compact=True)
    assert max(len(line) for line in compact.lines) <= 78
    assert compact.height <= full.height
    text = compact.text()
    assert "orders ▣" in text and "orders: orders.db" in text
    for target in names[1:5]:
        assert f"gateway → {target}: call {target} with a long label" in text
