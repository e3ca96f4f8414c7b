"""Exercise 2 (stride-per-element, files only): the threats in threatmodel.yaml.

Each element gets threats in exactly the categories STRIDE-per-element gives its kind (external
entity S R; process S T R I D E; data store T I D, and R for the audit log; data flow T I D,
required on flows that cross a trust boundary), and every threat is handled: mitigated with a
control from the vocabulary, or accepted with a reason and an owner.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import design, threat_model

from workbench.lab.model import Lab

KIND_WORDS = {"external": "an external entity", "process": "a process", "store": "a data store",
              "flow": "a data flow"}  # fmt: skip
WHY_NOT = {
    ("store", "S"): "a store does not act, so it cannot pretend to be anyone",
    ("store", "E"): "a store runs no code, so it cannot gain rights",
    ("flow", "S"): "a flow is spoofed through its ends, the processes",
    ("flow", "R"): "a flow does nothing anyone could deny",
    ("flow", "E"): "a flow runs no code",
    ("external", "T"): "what happens outside the system is not yours to protect",
    ("external", "I"): "what happens outside the system is not yours to protect",
    ("external", "D"): "what happens outside the system is not yours to protect",
    ("external", "E"): "what happens outside the system is not yours to protect",
}
LOGS = ("audit", "broker")
"""Owners whose stores are logs: R applies there (the audit log must have it)."""


@pytest.mark.exercise("stride-per-element")
def test_every_service_is_modelled(lab: Lab, workspace: Path) -> None:
    model = threat_model(lab, workspace)
    missing = [s.name for s in lab.services if s.name not in model.elements]
    assert not missing, (
        f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not in your diagram, so "
        "no threat to them is on the list (exercise 1 draws them)"
    )


@pytest.mark.exercise("stride-per-element")
@pytest.mark.hint(
    "External entity: S R. Process: S T R I D E. Data store: T I D (+R for the "
    "audit log). Data flow: T I D, on every flow that crosses a boundary."
)
def test_threats_fit_each_element(lab: Lab, workspace: Path) -> None:
    graph = design(lab)
    model = threat_model(lab, workspace)
    for target in [*model.elements, *model.flows]:
        kind = model.kind_of(target)
        allowed = graph.APPLICABLE[kind]
        if kind == "store" and model.elements[target].owner in LOGS:
            allowed += "R"
        for threat in model.threats_on(target):
            assert threat.category in allowed, (
                f"threat {threat.id!r} (line {threat.line}) gives {threat.category} to "
                f"{target}, {KIND_WORDS[kind]}: "
                + WHY_NOT.get((kind, threat.category), f"{threat.category} does not apply")
                + f" (its categories: {' '.join(allowed)})"
            )
        missing = model.missing(target)
        crossing = " that crosses a trust boundary" if kind == "flow" else ""
        assert not missing, (
            f"{target}, {KIND_WORDS[kind]}{crossing}, has no threat for {' '.join(missing)}: "
            "every category that applies must be thought through"
        )


@pytest.mark.exercise("stride-per-element")
@pytest.mark.hint(
    "status: mitigated with control: <one of the vocabulary>, or status: accepted "
    "with reason: and owner:."
)
def test_every_threat_is_handled(lab: Lab, workspace: Path) -> None:
    graph = design(lab)
    model = threat_model(lab, workspace)
    assert model.threats, "your threat model lists no threats yet"
    for threat in model.threats:
        where = f"threat {threat.id!r} (line {threat.line})"
        if threat.status == "mitigated":
            assert threat.control, (
                f"{where} is mitigated, but by what? name its `control:` (one of: "
                f"{', '.join(sorted(graph.CONTROLS))})"
            )
        else:
            assert threat.reason and threat.owner, (
                f"{where} is accepted without a {'reason' if not threat.reason else 'owner'}: "
                "an accepted risk says why, and who answers for it"
            )
