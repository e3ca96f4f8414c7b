"""Exercise 3 (sagas): every use case that writes data of more than one service is a saga of
known steps, shaped so it can always finish or turn back. Files only: nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import contexts_done
from design.measure import write_sets
from design.model import Cut, Material, nearest

pytestmark = pytest.mark.exercise("sagas")

MAX_SAGAS = 4


def actions_of(material: Material, cut: Cut, service: str) -> list[str]:
    found: list[str] = []
    for aggregate in material.aggregates.values():
        if aggregate.root in cut.services[service].entities:
            found.extend(aggregate.actions)
    return found


@pytest.mark.hint(
    "List the use cases whose writes land in two services: each needs an entry under `sagas:`."
)
def test_every_write_across_services_is_a_saga(material: Material, workspace: Path) -> None:
    cut = contexts_done(workspace, material)
    needed = write_sets(material, cut)
    assert len(needed) <= MAX_SAGAS, (
        f"{len(needed)} use cases write data of several services ({', '.join(sorted(needed))}); "
        f"more than {MAX_SAGAS} sagas means your cut runs through transaction boundaries: keep "
        "what is written together in one service"
    )
    missing = {uc: s for uc, s in needed.items() if uc not in cut.sagas}
    assert not missing, (
        "; ".join(
            f"{uc} writes {' and '.join(s)} with no saga" for uc, s in sorted(missing.items())
        )
        + ": when the second write fails the first stays, and the data of the two services disagree"
    )
    unknown = [uc for uc in cut.sagas if uc not in material.use_cases]
    assert not unknown, "; ".join(
        f"saga {uc!r} names no use case{nearest(uc, set(material.use_cases))}" for uc in unknown
    )


@pytest.mark.hint("A step names a service of your cut and an action of an aggregate it owns.")
def test_saga_steps_name_known_services_and_actions(material: Material, workspace: Path) -> None:
    cut = contexts_done(workspace, material)
    for uc, steps in sorted(cut.sagas.items()):
        assert steps, f"saga {uc} has no steps"
        for i, step in enumerate(steps, 1):
            assert step.service in cut.services, (
                f"saga {uc} step {i} (line {step.line}) runs on service {step.service!r}, which "
                f"your cut does not have{nearest(step.service, set(cut.services))} Your "
                f"services: {', '.join(cut.services)}"
            )
            known = actions_of(material, cut, step.service)
            for name in [step.action] + ([step.compensation] if step.compensation else []):
                assert name in known, (
                    f"saga {uc} step {i} (line {step.line}) asks {step.service} to {name!r}, "
                    f"which it cannot do{nearest(name, known)} {step.service} can: "
                    f"{', '.join(known) or 'nothing (it owns no aggregate)'}"
                )


@pytest.mark.hint(
    "Compensable steps (each with its compensation) first, then exactly one pivot, then only "
    "retryable steps."
)
def test_sagas_are_shaped_to_finish_or_turn_back(material: Material, workspace: Path) -> None:
    cut = contexts_done(workspace, material)
    for uc, steps in sorted(cut.sagas.items()):
        pivots = [s for s in steps if s.type == "pivot"]
        assert len(pivots) == 1, (
            f"saga {uc} has {len(pivots)} pivots "
            f"({', '.join(s.describe() for s in pivots) or 'none'}): "
            "exactly one step decides that the saga goes forward; before it everything can be "
            "undone, after it nothing needs to be"
        )
        pivot_at = steps.index(pivots[0])
        for i, step in enumerate(steps, 1):
            if step.type == "compensable":
                assert step.compensation, (
                    f"saga {uc} step {i} {step.describe()} has no `compensation:`: when a later "
                    "step fails, nothing undoes it"
                )
                assert i - 1 < pivot_at, (
                    f"saga {uc} step {i} {step.describe()} runs after the pivot "
                    f"{pivots[0].describe()}: if it fails the saga can neither go back (the "
                    "pivot happened) nor forward"
                )
            if step.type == "retryable":
                assert i - 1 > pivot_at, (
                    f"saga {uc} step {i} {step.describe()} is retryable but runs before the "
                    "pivot: what runs before the pivot must be undoable when the pivot fails"
                )


@pytest.mark.hint("A saga's steps touch exactly the services its use case writes to.")
def test_sagas_cover_the_services_written(material: Material, workspace: Path) -> None:
    cut = contexts_done(workspace, material)
    needed = write_sets(material, cut)
    for uc, steps in sorted(cut.sagas.items()):
        if uc not in material.use_cases:
            continue
        owner = cut.owner()
        written = sorted({owner[e] for e in material.use_cases[uc].writes if e in owner})
        stepped = sorted({s.service for s in steps})
        if uc in needed or len(stepped) > 1:
            assert stepped == written, (
                f"saga {uc} has steps on {', '.join(stepped)}, but the use case writes to "
                f"{', '.join(written)}"
                + (
                    f": {', '.join(sorted(set(written) - set(stepped)))} is never asked"
                    if set(written) - set(stepped)
                    else ""
                )
                + (
                    f": {', '.join(sorted(set(stepped) - set(written)))} has nothing to write"
                    if set(stepped) - set(written)
                    else ""
                )
            )
