"""Exercise 1 (contexts): card data stays in its zone, also as a copy. A replica is data too: a
service that keeps a copy of card data holds card data, whatever owns the original."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import learner_cut
from design.model import Material

pytestmark = pytest.mark.exercise("contexts")


@pytest.mark.hint(
    "Never list a `pci` entity under `replicated:` of a service outside the card zone: "
    "ask the card service for what you need (a token, a yes or no) instead."
)
def test_card_data_is_never_copied_out_of_its_zone(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    leaks = []
    for service in cut.services.values():
        own_zones = {material.entities[e].zone for e in service.entities}
        copied = [e for e in service.replicated if material.entities[e].zone == "pci"]
        if copied and own_zones != {"pci"}:
            leaks.append(f"{service.name} keeps a copy of {', '.join(copied)}")
    assert not leaks, (
        "; ".join(leaks) + ": card data copied into a service outside the card zone puts that "
        "service, its store and its team under the card industry's rules"
    )
