"""The learner's design in a check: the lab's `design_graph` function, called in the checks'
process (the lab author's code, like the check itself) on the learner's workspace.

`learner_design(lab, workspace)` returns the graph the drawings show (`workbench graph --design`),
normalised the same way, so a check grades exactly what the learner sees. A file of theirs that
cannot be read (the function raised `DesignError`, an AssertionError) fails the check with that
sentence: it is a verdict on the learner's work, not a check that could not finish.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from workbench.lab.model import Lab


def learner_design(lab: Lab, workspace: Path) -> nx.MultiDiGraph:
    """The learner's design graph, or `DesignError` (an AssertionError) saying what is wrong
    with their files."""
    from workbench.topology.design import normalise

    if lab.design_graph is None:
        raise RuntimeError(f"lab {lab.id!r} declares no `design_graph:` in lab.yaml")
    module_name, _, function_name = lab.design_graph.partition(":")
    folder = str(lab.path)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # `design.graph` is <lab>/design/graph.py
    function = getattr(importlib.import_module(module_name), function_name)
    # A `DesignError` (an AssertionError) from the function fails the check with its sentence.
    return normalise(function(workspace), lab_id=lab.id, title=lab.title)
