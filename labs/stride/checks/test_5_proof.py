"""Exercise 5 (proof): every mitigation the threat model claims is shown live.

Each mitigated threat names a probe (the runtime's container hardening excepted, for the
categories it can address); the probes named run against the running shop, and a claim the
system does not keep fails. The threats the exercise page requires must be there, and so must
the shared signing key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PROBES, Shop, design, threat_model

from workbench.lab.model import Lab

pytestmark = pytest.mark.exercise("proof")

HARDENING_FITS = {"read-only-root": "T", "non-root-user": "E", "capabilities-dropped": "E",
                  "no-new-privileges": "E", "resource-limits": "D", "no-egress": "I"}  # fmt: skip
HOLDERS = ("gateway", "identity", "orders")


def test_every_mitigation_names_a_probe(lab: Lab, workspace: Path) -> None:
    graph = design(lab)
    model = threat_model(lab, workspace)
    for threat in model.threats:
        if threat.status != "mitigated":
            continue
        where = f"threat {threat.id!r} (line {threat.line}, {threat.category} on {threat.element})"
        if threat.control in graph.HARDENING and not threat.probe:
            fits = HARDENING_FITS[threat.control]
            assert threat.category in fits, (
                f"{where} is mitigated by {threat.control}, which the Docker runtime gives every "
                f"container, but that control addresses {fits}, not {threat.category}: name a "
                "probe, or accept the threat"
            )
            continue
        assert threat.probe, (
            f"{where} claims {threat.control}: name the `probe:` that shows it (one of: "
            f"{', '.join(sorted(PROBES))}), or accept the threat with a reason and an owner"
        )


def test_the_required_threats_are_there(lab: Lab, workspace: Path) -> None:
    graph = design(lab)
    model = threat_model(lab, workspace)
    proven = {t.probe for t in model.threats if t.status == "mitigated" and t.probe}
    missing = [p for p in graph.REQUIRED_PROBES if p not in proven]
    assert not missing, (
        f"no mitigated threat names {', '.join(missing)}: the exercise page lists the threats "
        "every model of this shop must hold, each proven by its probe"
    )
    shared = [t for t in model.threats if t.id == graph.SHARED_KEY_THREAT]
    assert shared, (
        f"the shared signing key is not recorded: gateway, identity and orders all hold "
        f"SIGNING_KEY, so a leak from any of them lets anyone sign tokens. Add the threat "
        f"`{graph.SHARED_KEY_THREAT}`, accepted (reason, owner) or mitigated"
    )
    assert shared[0].element in HOLDERS, (
        f"threat {graph.SHARED_KEY_THREAT!r} is on {shared[0].element}: put it on one of the "
        f"key's holders ({', '.join(HOLDERS)})"
    )


def test_every_claim_holds_live(lab: Lab, workspace: Path, shop: Shop) -> None:
    model = threat_model(lab, workspace)
    claims: dict[str, list[str]] = {}
    for threat in model.threats:
        if threat.status == "mitigated" and threat.probe:
            claims.setdefault(threat.probe, []).append(threat.id)
    broken: list[str] = []
    for probe, threats in sorted(claims.items()):
        try:
            PROBES[probe](shop)
        except AssertionError as exc:
            broken.append(f"{', '.join(threats)} claim{'s' if len(threats) == 1 else ''} "
                          f"{probe}, but {exc}")  # fmt: skip
        finally:
            shop.faults.undo()
    assert not broken, "a mitigation you claim does not hold: " + "; ".join(broken)
