"""Exercise 1 (dfd): the data-flow diagram in threatmodel.yaml against the system as it runs.

Every service must be a process and every store a data store; every flow lab.yaml declares and
every call the services were seen making (the `observed_topology` fixture, after a scripted
scenario through the gateway) must be a flow, the undeclared one included; no flow may join two
things that never talk; every element sits in exactly one trust boundary, and flows from outside
cross one. Names of boundaries, stores and flows are the learner's own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Shop, threat_model

from workbench.lab.model import Lab

BROKER = "broker"


def services(lab: Lab) -> list[str]:
    return [s.name for s in lab.services]


def stores_of(model: Any, owner: str) -> list[str]:
    return [e.id for e in model.of_kind("store") if e.owner == owner]


def joined(model: Any, a: str, b: str) -> bool:
    """A flow between a and b, in either direction (a request and its answer are one flow)."""
    return any({f.source, f.target} == {a, b} for f in model.flows.values())


def through_broker(model: Any, publisher: str, consumer: str) -> bool:
    """Events go publisher -> (broker or its stream) -> consumer; a direct flow is fine too."""
    if joined(model, publisher, consumer):
        return True
    middles = [BROKER, *stores_of(model, BROKER)]
    return any(joined(model, publisher, m) for m in middles) and any(
        joined(model, m, consumer) for m in middles
    )


def scenario(shop: Shop) -> None:
    """A customer signs in, orders and reads the order back, all through the gateway."""
    order = shop.order("alice")
    response = shop.call("GET", f"/orders/{order['id']}", shop.token("alice"))
    assert response.status_code == 200, (
        f"alice could not read her order through the gateway ({response.status_code}): the "
        "diagram is judged on what the shop does, so it must work end to end"
    )


def real_flows(lab: Lab, observed: Any) -> tuple[set[frozenset[str]], list[tuple[str, str]]]:
    """(http pairs {a, b} declared or observed, event (publisher, consumer) pairs)."""
    http: set[frozenset[str]] = set()
    events: list[tuple[str, str]] = []
    for link in lab.links:
        if link.protocol.value == "http":
            http.add(frozenset((link.source, link.target)))
        elif link.protocol.value == "event":
            events.append((link.source, link.target))
    g = observed.graph
    for u, v, attrs in g.edges(data=True):
        if attrs.get("kind") == "http" and int(attrs.get("calls", 0)) > 0:
            http.add(frozenset((str(u), str(v))))
    for subject in [n for n in g.nodes if str(n).startswith("subject:")]:
        publishers = [u for u, _v, a in g.in_edges(subject, data=True) if a.get("kind") == "event"]
        consumers = [v for _u, v, a in g.out_edges(subject, data=True) if a.get("kind") == "event"]
        events += [(str(p), str(c)) for p in publishers for c in consumers]
    return http, sorted(set(events))


@pytest.mark.exercise("dfd")
def test_every_service_is_a_process(lab: Lab, workspace: Path) -> None:
    model = threat_model(lab, workspace)
    missing = [s for s in services(lab)
               if s not in model.elements or model.elements[s].kind != "process"]  # fmt: skip
    processes = ", ".join(e.id for e in model.of_kind("process")) or "none"
    assert not missing, (
        f"{', '.join(missing)} run{'s' if len(missing) == 1 else ''} in the shop but "
        f"{'is' if len(missing) == 1 else 'are'} not a process of your diagram (your processes: "
        f"{processes}): a part you do not draw is a part nobody threat-models"
    )


@pytest.mark.exercise("dfd")
@pytest.mark.hint("A data store names the process that keeps it: `owner: orders`.")
def test_every_store_is_a_data_store(lab: Lab, workspace: Path) -> None:
    model = threat_model(lab, workspace)
    for store in model.of_kind("store"):
        assert store.owner in model.elements and model.elements[store.owner].kind == "process", (
            f"data store {store.id!r} (line {store.line}) needs `owner:` naming the process that "
            f"keeps it (one of: {', '.join(e.id for e in model.of_kind('process'))})"
        )
    for service in lab.services:
        if service.store:
            assert stores_of(model, service.name), (
                f"{service.name} keeps {service.store}, but your diagram has no data store owned "
                f"by {service.name}: its data can be read and changed too"
            )
    assert stores_of(model, BROKER), (
        "the AUDIT stream (JetStream keeps every audit.request until audit has it) is a data "
        "store too: add one with `owner: broker`"
    )


@pytest.mark.exercise("dfd")
@pytest.mark.hint(
    "After a few requests, `workbench graph stride --live` shows every call the "
    "services made; the one marked undeclared is a flow as well."
)
def test_every_real_flow_is_drawn(lab: Lab, workspace: Path, shop: Shop,
                                  observed_topology: Callable[[], Any]) -> None:  # fmt: skip
    model = threat_model(lab, workspace)
    scenario(shop)
    observed = observed_topology()
    http, events = real_flows(lab, observed)
    undeclared = {frozenset((u, v)) for u, v, k in observed.undeclared_edges() if k == "http"}
    externals = [e.id for e in model.of_kind("external")]
    lab_externals = {x.name for x in lab.externals}
    for pair in sorted(http, key=sorted):
        a, b = sorted(pair)
        outside = [x for x in (a, b) if x in lab_externals]
        if outside:
            inside = b if a in outside else a
            assert any(joined(model, x, inside) for x in externals), (
                f"the internet reaches {inside}, but no flow joins one of your external "
                f"entities ({', '.join(externals) or 'none'}) to it"
            )
            continue
        if pair in undeclared:
            calls = observed.calls(a, b) + observed.calls(b, a)
            assert joined(model, a, b), (
                f"{a} and {b} talk ({calls} call{'s' if calls != 1 else ''} seen; lab.yaml does "
                f"not declare it: `workbench graph stride --live` shows it as undeclared "
                f"coupling), but your diagram has no flow between them: the personal data on it "
                "goes unmodelled"
            )
        else:
            assert joined(model, a, b), (
                f"{a} calls {b} (lab.yaml declares it), but your diagram has no flow between them"
            )
    for publisher, consumer in events:
        assert through_broker(model, publisher, consumer), (
            f"{publisher} sends events to {consumer} through the broker, but your diagram has no "
            f"flow from {publisher} to the broker or its stream and on to {consumer}"
        )


@pytest.mark.exercise("dfd")
def test_no_flow_the_system_lacks(lab: Lab, workspace: Path,
                                  observed_topology: Callable[[], Any]) -> None:  # fmt: skip
    model = threat_model(lab, workspace)
    http, events = real_flows(lab, observed_topology())
    lab_externals = {x.name for x in lab.externals}
    entries = {next(iter(p - lab_externals)) for p in http if p & lab_externals}
    event_pairs = {frozenset(p) for p in events}
    event_ends = {x for p in events for x in p}
    for flow in model.flows.values():
        kinds = (model.elements[flow.source].kind, model.elements[flow.target].kind)
        ends = f"{flow.id!r} (line {flow.line}, {flow.source} -> {flow.target})"
        pair = frozenset((flow.source, flow.target))
        if "external" in kinds:
            other = flow.target if kinds[0] == "external" else flow.source
            assert other in entries, (
                f"flow {ends}: the internet is meant to reach only {', '.join(sorted(entries))}; "
                f"a way around it is a threat to record, not a flow of the design"
            )
        elif kinds == ("process", "process"):
            with_broker = BROKER in pair and bool(pair & event_ends)
            assert pair in http or pair in event_pairs or with_broker, (
                f"flow {ends}: {flow.source} and {flow.target} never talk; draw only what the "
                "system does"
            )
        elif "store" in kinds and "process" in kinds:
            store = model.elements[flow.source if kinds[0] == "store" else flow.target]
            process = flow.target if kinds[0] == "store" else flow.source
            ok = store.owner == process or (store.owner == BROKER and process in event_ends)
            assert ok, f"flow {ends}: only {store.owner} reads and writes {store.id}" + (
                " (and the event publishers and consumers the broker's stream)"
                if store.owner == BROKER
                else ""
            )
        else:
            raise AssertionError(
                f"flow {ends}: data does not move between two {kinds[0]}s on its own"
            )


@pytest.mark.exercise("dfd")
@pytest.mark.hint(
    "One boundary around the internet's side, others around the edge, the "
    "internal services and the data; every element in exactly one."
)
def test_trust_boundaries(lab: Lab, workspace: Path) -> None:
    model = threat_model(lab, workspace)
    for element in model.elements.values():
        where = model.boundaries_of(element.id)
        assert where, f"{element.id} is in no trust boundary: put every element in one"
        assert len(where) == 1, f"{element.id} is in {' and '.join(where)}: put it in one only"
    for flow in model.flows.values():
        if model.elements[flow.source].kind == "external":
            assert model.crosses(flow), (
                f"flow {flow.id!r} from {flow.source} to {flow.target} stays inside boundary "
                f"{model.boundaries_of(flow.source)[0]!r}: what comes from outside must cross a "
                "trust boundary, or nothing marks where checking it begins"
            )
    for store in model.of_kind("store"):
        boundary = model.boundaries[model.boundaries_of(store.id)[0]]
        outsiders = [e for e in boundary.contains if model.elements[e].kind == "external"]
        assert not outsiders, (
            f"data store {store.id} shares boundary {boundary.id!r} with {', '.join(outsiders)}: "
            "nothing stands between the outside and the data"
        )
