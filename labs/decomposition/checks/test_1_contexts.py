"""Exercise 1 (contexts): every entity and use case has one home, aggregates stay whole, card
data lives apart, and each service belongs to one team. Files only: nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import first_five, learner_cut
from design.model import Material

pytestmark = pytest.mark.exercise("contexts")


@pytest.mark.hint("List every entity of bodyleasing.yaml under exactly one service's `entities:`.")
def test_every_entity_has_one_owner(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    owners = cut.owners()
    missing = [e for e in material.entities if e not in owners]
    assert not missing, (
        f"no service owns {first_five(missing)}: data nobody owns is data everybody changes"
    )
    twice = {e: s for e, s in owners.items() if len(s) > 1}
    assert not twice, (
        "; ".join(f"{e} is owned by {' and '.join(s)}" for e, s in sorted(twice.items()))
        + ": two owners of one entity is a shared database, the coupling a cut should end"
    )


@pytest.mark.hint("Every use case of bodyleasing.yaml goes under one service's `use_cases:`.")
def test_every_use_case_runs_in_one_service(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    placed = cut.use_case_owners()
    missing = [u for u in material.use_cases if u not in placed]
    assert not missing, f"no service runs {first_five(missing)}: the business would stop doing it"
    twice = {u: s for u, s in placed.items() if len(s) > 1}
    assert not twice, (
        "; ".join(f"use case {u} is in {' and '.join(s)}" for u, s in sorted(twice.items()))
        + ": a use case runs in one service"
    )


@pytest.mark.hint(
    "An aggregate is changed in one transaction: all its entities go to the same service."
)
def test_every_aggregate_is_whole(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    owners = cut.owners()
    split = []
    for aggregate in material.aggregates.values():
        homes: dict[str, list[str]] = {}
        for entity in aggregate.entities:
            for service in owners.get(entity, []):
                homes.setdefault(service, []).append(entity)
        if len(homes) > 1:
            where = "; ".join(f"{', '.join(e)} in {s}" for s, e in sorted(homes.items()))
            split.append(f"aggregate {aggregate.name} is split ({where})")
    assert not split, (
        "; ".join(split) + ": changing it would need a distributed transaction for what is one "
        "business change"
    )


@pytest.mark.hint("Card data (zone pci) goes to a service holding nothing but card data.")
def test_card_data_lives_apart(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    for service in cut.services.values():
        zones = {e: material.entities[e].zone for e in service.entities}
        if "pci" in zones.values():
            others = sorted(e for e, z in zones.items() if z != "pci")
            cards = sorted(e for e, z in zones.items() if z == "pci")
            assert not others, (
                f"service {service.name} keeps card data ({', '.join(cards)}) beside "
                f"{first_five(others)}: every part of that service, and every team working on "
                "it, falls under the card industry's audit; keep card data in a service of its own"
            )


@pytest.mark.hint("A service is owned by one team: split a service whose parts belong to two.")
def test_one_team_per_service(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    for service in cut.services.values():
        teams: dict[str, set[str]] = {}
        for entity in service.entities:
            teams.setdefault(material.aggregate_of(entity).team, set()).add(entity)
        for uc in service.use_cases:
            teams.setdefault(material.use_cases[uc].team, set()).add(f"use case {uc}")
        assert len(teams) <= 1, (
            f"service {service.name} is worked on by {len(teams)} teams ("
            + "; ".join(f"{t}: {first_five(sorted(p))}" for t, p in sorted(teams.items()))
            + "): every change needs them all to agree; one team, one service"
        )


@pytest.mark.hint("Each service owns at least one aggregate root (the entity it is named by).")
def test_every_service_owns_an_aggregate(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    roots = {a.root for a in material.aggregates.values()}
    for service in cut.services.values():
        assert roots & set(service.entities), (
            f"service {service.name} owns no aggregate root"
            + (f" (only {first_five(service.entities)})" if service.entities else "")
            + ": a service without an aggregate of its own has no business of its own"
        )
