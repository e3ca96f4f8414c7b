"""The decomposition lab's checks: exercises 1-3 read the learner's decomposition.yaml against
the lab's own copy of the material (never the workspace's); exercise 4 drives the strangler
facade and compares what legacy clients get with the monolith's own answers.

The lab folder goes on the path so that the checks share `design/` with the drawing
(`workbench graph decomposition --design`): what is graded is what the learner sees.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

LAB = Path(__file__).resolve().parents[1]
if str(LAB) not in sys.path:
    sys.path.insert(0, str(LAB))

from design.measure import sync_reads  # noqa: E402
from design.model import Cut, Material, load_material, read_cut  # noqa: E402

MATERIAL = LAB / "starter" / "bodyleasing.yaml"


@pytest.fixture(scope="session")
def material() -> Material:
    return load_material(MATERIAL)


def learner_cut(workspace: Path, material: Material) -> Cut:
    """The learner's cut; a file that cannot be read fails the check with the reason (a
    DesignError is an AssertionError, raised in the check itself so it counts as a verdict)."""
    return read_cut(workspace, material)


def first_five(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def partition_problems(material: Material, cut: Cut) -> list[str]:
    """What stops the cut from being a partition (every entity and use case in exactly one
    service): the least a cut needs before it can be measured."""
    problems = []
    owners = cut.owners()
    missing = [e for e in material.entities if e not in owners]
    if missing:
        problems.append(f"no service owns {first_five(missing)}")
    twice = sorted(e for e, s in owners.items() if len(s) > 1)
    if twice:
        problems.append(f"{first_five(twice)} owned by more than one service")
    placed = cut.use_case_owners()
    unplaced = [u for u in material.use_cases if u not in placed]
    if unplaced:
        problems.append(f"no service runs {first_five(unplaced)}")
    placed_twice = sorted(u for u, s in placed.items() if len(s) > 1)
    if placed_twice:
        problems.append(f"{first_five(placed_twice)} run in more than one service")
    return problems


def cut_problems(material: Material, cut: Cut) -> list[str]:
    """Every rule of exercise 1 the cut breaks, in short (empty when it passes exercise 1)."""
    problems = partition_problems(material, cut)
    owners = cut.owners()
    for aggregate in material.aggregates.values():
        homes = {owners[e][0] for e in aggregate.entities if e in owners}
        if len(homes) > 1:
            problems.append(f"aggregate {aggregate.name} is split over {', '.join(sorted(homes))}")
    roots = {a.root for a in material.aggregates.values()}
    for service in cut.services.values():
        teams = {material.aggregate_of(e).team for e in service.entities}
        teams |= {material.use_cases[u].team for u in service.use_cases}
        if len(teams) > 1:
            problems.append(f"service {service.name} belongs to {len(teams)} teams")
        zones = {material.entities[e].zone for e in service.entities}
        if "pci" in zones and len(zones) > 1:
            problems.append(f"service {service.name} keeps card data beside other data")
        if not roots & set(service.entities):
            problems.append(f"service {service.name} owns no aggregate root")
    return problems


def contexts_done(workspace: Path, material: Material) -> Cut:
    """The cut, once it passes every rule of exercise 1 (sagas are judged on such a cut)."""
    cut = learner_cut(workspace, material)
    problems = cut_problems(material, cut)
    assert not problems, (
        "sagas are judged on a cut that passes exercise 1 (contexts); yours does not yet: "
        + "; ".join(problems[:5])
    )
    return cut


def measurable_cut(workspace: Path, material: Material) -> Cut:
    """The cut, once it places every entity and use case exactly once (then it can be measured,
    even with aggregates split: the measures show what splitting them costs)."""
    cut = learner_cut(workspace, material)
    problems = partition_problems(material, cut)
    assert not problems, (
        "your cut is not yet one that can be measured: "
        + "; ".join(problems)
        + " — place every entity and use case in exactly one service first (exercise 1)"
    )
    return cut


__all__ = [
    "contexts_done",
    "cut_problems",
    "first_five",
    "learner_cut",
    "measurable_cut",
    "partition_problems",
    "sync_reads",
]
