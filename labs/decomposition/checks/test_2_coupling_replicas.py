"""Exercise 2 (coupling): a replica is paid for with an event stream and stale reads; it earns its
keep only where a use case of the service reads it. Copying everything everywhere hides the
coupling from the numbers without removing it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import first_five, learner_cut
from design.model import Material

pytestmark = pytest.mark.exercise("coupling")


@pytest.mark.hint(
    "List under `replicated:` only entities of other services that a use case of this "
    "service reads."
)
def test_every_replica_is_read_where_it_is_kept(material: Material, workspace: Path) -> None:
    cut = learner_cut(workspace, material)
    idle = []
    for service in cut.services.values():
        read = {e for u in service.use_cases for e in material.use_cases[u].reads}
        unread = [e for e in service.replicated if e not in read or e in service.entities]
        if unread:
            idle.append(f"{service.name} copies {first_five(unread)}")
    assert not idle, (
        "; ".join(idle) + ": no use case of theirs reads these copies (or they own the entity "
        "already). Every replica is an event stream to run and data that can be stale: keep "
        "one only where a use case reads it"
    )
