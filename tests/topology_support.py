"""Shared helpers of the topology tests: the fixture lab's graph and golden-file comparison."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx

from workbench.lab.loader import load_lab
from workbench.lab.model import Lab
from workbench.topology.build import build_graph

GOLDEN = Path(__file__).parent / "unit" / "golden"
SHOP = Path(__file__).resolve().parent / "fixtures" / "labs" / "shop"


def shop_lab() -> Lab:
    return load_lab(SHOP)


def shop_graph() -> nx.MultiDiGraph:
    return build_graph(shop_lab())


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/unit/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{name} changed; if the change is intended, rerun with UPDATE_GOLDEN=1 and review "
        f"the diff of {path}"
    )
