"""The learner's cut as a graph (lab.yaml `design_graph: design.graph:build`).

One node per service of `decomposition.yaml` (its entities and replicas in the description), an
http edge where a use case of one service reads another's entity without a replica, an event
edge from an entity's owner to every service keeping a replica of it. The checks of exercise 2
grade this same graph, so the learner sees what is graded.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from design.measure import call_graph
from design.model import load_material, read_cut

MATERIAL = Path(__file__).resolve().parents[1] / "starter" / "bodyleasing.yaml"


def build(workspace: Path) -> nx.MultiDiGraph:
    material = load_material(MATERIAL)
    cut = read_cut(Path(workspace), material)
    g = call_graph(material, cut)
    for name, service in cut.services.items():
        parts = ", ".join(service.entities) or "no entities"
        if service.replicated:
            parts += f" (replicas: {', '.join(service.replicated)})"
        g.nodes[name]["description"] = parts
        g.nodes[name]["context"] = None
    return g
