"""Exercise 2 (coupling): the cut follows how the use cases use the data, and the services it
makes do not wait on each other in circles or long chains. Files only: nothing runs.

The entity graph (10 for entities written together in a use case, 3 for read together) is
measured with the workbench's analyses and compared with the Girvan-Newman baseline kept in
`baseline.json`; the service call graph is the one `workbench graph decomposition --design`
draws. Failures show, per service, the reads that cross to others (`group_coupling`) and its
instability.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import measurable_cut
from design.measure import call_graph, entity_graph, partition, read_graph, sync_reads
from design.model import Cut, Material

from workbench.topology import (
    group_coupling,
    instability,
    longest_sync_chain,
    modularity,
    sync_cycles,
    weighted_cut,
)

pytestmark = pytest.mark.exercise("coupling")

BASELINE = json.loads((Path(__file__).parent / "baseline.json").read_text(encoding="utf-8"))
CROSS_FACTOR = 1.15
MODULARITY_SLACK = 0.05
MAX_CHAIN = 3
MAX_LATENCY_CRITICAL_PEERS = 2


def coupling_report(material: Material, cut: Cut) -> str:
    g = read_graph(material, cut)
    pairs = group_coupling(g, "context")
    if not pairs:
        return " (no service reads another's data synchronously)"
    shown = ", ".join(f"{c.source_group}→{c.target_group} {c.count}" for c in pairs[:8])
    more = f" and {len(pairs) - 8} more pairs" if len(pairs) > 8 else ""
    unstable = ", ".join(f"{s} {v:.2f}" for s, v in sorted(instability(g, "context").items()))
    return (
        f". Synchronous reads between services (group_coupling): {shown}{more}. "
        f"Instability (reads out / reads in and out): {unstable}"
    )


@pytest.mark.hint(
    "Entities written together belong together: compare your services with the groups in "
    "checks/baseline.json and move the aggregates that talk most across your boundaries."
)
def test_the_cut_follows_the_coupling(material: Material, workspace: Path) -> None:
    cut = measurable_cut(workspace, material)
    g = entity_graph(material)
    parts = partition(cut)
    cross = weighted_cut(g, parts)
    quality = modularity(g, parts)
    limit = CROSS_FACTOR * BASELINE["cross_weight"]
    floor = BASELINE["modularity"] - MODULARITY_SLACK
    assert quality >= floor, (
        f"the modularity of your cut is {quality:.3f}; the baseline reaches "
        f"{BASELINE['modularity']:.3f} (at least {floor:.3f} needed): "
        + (
            "one service holding everything has no boundaries at all"
            if len(parts) <= 1
            else "too much of the use cases' work crosses your boundaries"
        )
        + coupling_report(material, cut)
    )
    assert cross <= limit, (
        f"{cross:g} units of use-case weight cross your {len(parts)} services; the baseline's "
        f"{BASELINE['services']} groups cross {BASELINE['cross_weight']:g} (at most {limit:g} "
        "allowed): every crossing is a remote call (about 2,000,000 cycles instead of 10) or a "
        "distributed transaction" + coupling_report(material, cut)
    )


@pytest.mark.hint(
    "Break a cycle with a replica: `replicated: [Entity]` under the reading service keeps a copy "
    "fed by the owner's events."
)
def test_no_services_wait_on_each_other_in_a_circle(material: Material, workspace: Path) -> None:
    cut = measurable_cut(workspace, material)
    calls = call_graph(material, cut)
    cycles = sync_cycles(calls)
    if cycles:
        reads = sync_reads(material, cut)
        first = cycles[0]
        legs = []
        for a, b in zip(first, [*first[1:], first[0]], strict=True):
            why = next(f"{uc} reads {e}" for uc, s, e, t in reads if s == a and t == b)
            legs.append(f"{a}→{b} ({why})")
        raise AssertionError(
            f"services call each other in a circle: {', '.join(legs)}"
            + (f", and {len(cycles) - 1} more cycles" if len(cycles) > 1 else "")
            + ": none of them can be deployed or fail alone, a distributed monolith"
            + coupling_report(material, cut)
        )


@pytest.mark.hint(
    "A chain of synchronous reads multiplies latency and failure: replicate what the middle "
    "service reads."
)
def test_sync_chains_are_short(material: Material, workspace: Path) -> None:
    cut = measurable_cut(workspace, material)
    chain = longest_sync_chain(call_graph(material, cut))
    assert len(chain) <= MAX_CHAIN, (
        f"a request can wait on {len(chain)} services in a row ({' → '.join(map(str, chain))}); "
        f"at most {MAX_CHAIN}: each hop adds its latency and its outages to the user's"
        + coupling_report(material, cut)
    )


@pytest.mark.hint(
    "A latency-critical use case (someone waits on it) may read from at most two other "
    "services; replicate the rest or move the use case."
)
def test_latency_critical_use_cases_wait_on_few_services(
    material: Material, workspace: Path
) -> None:
    cut = measurable_cut(workspace, material)
    peers: dict[str, set[str]] = {}
    for uc, _source, _entity, target in sync_reads(material, cut):
        if material.use_cases[uc].latency_critical:
            peers.setdefault(uc, set()).add(target)
    slow = {uc: p for uc, p in sorted(peers.items()) if len(p) > MAX_LATENCY_CRITICAL_PEERS}
    assert not slow, (
        "; ".join(
            f"{uc} (someone waits on it) reads synchronously from {len(p)} services: "
            f"{', '.join(sorted(p))}"
            for uc, p in slow.items()
        )
        + f" (at most {MAX_LATENCY_CRITICAL_PEERS})"
        + coupling_report(material, cut)
    )
