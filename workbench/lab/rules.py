"""Rules across fields of a lab: references, cycles, files, ports, sidecars.

Each rule yields (field location, message); the loader turns them into line-precise problems.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from workbench.lab.model import Lab, Protocol, ServiceKind
from workbench.lab.yamlmarks import Loc

Finding = tuple[Loc, str]


def check_lab(lab: Lab, lab_dir: Path) -> list[Finding]:
    findings: list[Finding] = []
    for rule in (
        _duplicates,
        _references,
        _cycles,
        _files,
        _ports,
        _sidecars,
        _broker,
        _lab_folder_name,
    ):
        findings.extend(rule(lab, lab_dir))
    return findings


def _duplicates(lab: Lab, _dir: Path) -> Iterator[Finding]:
    for section, key, names in (
        ("services", "name", [s.name for s in lab.services]),
        ("exercises", "id", [e.id for e in lab.exercises]),
    ):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                yield (section, i, key), f"duplicate {key} {name!r}: each must be unique"
            seen.add(name)


def _references(lab: Lab, _dir: Path) -> Iterator[Finding]:
    names = {s.name for s in lab.services}
    known = _known(names)
    for i, svc in enumerate(lab.services):
        for j, dep in enumerate(svc.depends_on):
            if dep not in names:
                loc: Loc = ("services", i, "depends_on", j)
                yield loc, f"depends on unknown service {dep!r}; {known}"
            elif dep == svc.name:
                yield ("services", i, "depends_on", j), "a service cannot depend on itself"
    for i, link in enumerate(lab.links):
        for end, name in (("from", link.source), ("to", link.target)):
            if name not in names:
                yield ("links", i, end), f"link {end} unknown service {name!r}; {known}"
        if link.protocol is Protocol.EVENT and not link.label:
            yield ("links", i, "label"), "an event link needs a label: its subject, e.g. order.paid"
    for i, fault in enumerate(lab.faults):
        for j, name in enumerate(fault.services):
            if name not in names:
                yield ("faults", i, "services", j), f"fault on unknown service {name!r}; {known}"


def _cycles(lab: Lab, _dir: Path) -> Iterator[Finding]:
    """depends_on must be acyclic, or no start order exists."""
    graph = {s.name: [d for d in s.depends_on if d != s.name] for s in lab.services}
    index = {s.name: i for i, s in enumerate(lab.services)}
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, stack: list[str]) -> Iterator[Finding]:
        state[node] = 1
        stack.append(node)
        for dep in graph.get(node, []):
            if dep not in graph:
                continue
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield (
                        ("services", index[dep], "depends_on"),
                        "dependency cycle " + " -> ".join(cycle) + ": no service could start first",
                    )
            elif dep not in state:
                yield from visit(dep, stack)
        stack.pop()
        state[node] = 2

    for name in graph:
        if name not in state:
            yield from visit(name, [])


def _files(lab: Lab, lab_dir: Path) -> Iterator[Finding]:
    for i, svc in enumerate(lab.services):
        if svc.kind is ServiceKind.PYTHON:
            if not svc.source:
                yield ("services", i), "a python service needs `source:` (its code folder)"
            elif not (lab_dir / svc.source).is_dir():
                yield ("services", i, "source"), f"folder {svc.source!r} does not exist in the lab"
            else:
                module = svc.app.split(":", 1)[0]
                if ":" not in svc.app:
                    yield ("services", i, "app"), "expected module:attribute, e.g. app:app"
                elif not (lab_dir / svc.source / (module.replace(".", "/") + ".py")).is_file():
                    yield ("services", i, "app"), f"module {module!r} not found in {svc.source}/"
        elif svc.source:
            yield ("services", i, "source"), "a nats broker has no source folder"
    for i, ex in enumerate(lab.exercises):
        if not (lab_dir / ex.instructions).is_file():
            yield ("exercises", i, "instructions"), f"file {ex.instructions!r} does not exist"
        for j, rel in enumerate(ex.files):
            for folder in ("starter", "solution"):
                if not (lab_dir / folder / rel).is_file():
                    yield (
                        ("exercises", i, "files", j),
                        f"learner file {rel!r} is missing from {folder}/",
                    )


def _ports(lab: Lab, _dir: Path) -> Iterator[Finding]:
    """Services sharing a network namespace (a main service and its sidecars) need own ports."""
    group_of = {s.name: s.sidecar_of or s.name for s in lab.services}
    used: Counter[tuple[str, int]] = Counter()
    for svc in lab.services:
        used[(group_of[svc.name], svc.container_port)] += 1
    for i, svc in enumerate(lab.services):
        if used[(group_of[svc.name], svc.container_port)] > 1:
            yield (
                ("services", i, "port"),
                f"port {svc.container_port} is also used by a service in the same network "
                "namespace (a sidecar and its main service share one): pick another port",
            )


def _sidecars(lab: Lab, _dir: Path) -> Iterator[Finding]:
    by_name = {s.name: s for s in lab.services}
    for i, svc in enumerate(lab.services):
        if not svc.sidecar_of:
            continue
        loc: Loc = ("services", i, "sidecar_of")
        main = by_name.get(svc.sidecar_of)
        if svc.sidecar_of == svc.name:
            yield loc, "a service cannot be its own sidecar"
        elif main is None:
            yield loc, f"sidecar of unknown service {svc.sidecar_of!r}; {_known(set(by_name))}"
        elif main.sidecar_of:
            yield loc, f"{main.name!r} is itself a sidecar: attach to its main service instead"
        elif main.kind is not ServiceKind.PYTHON or svc.kind is not ServiceKind.PYTHON:
            yield loc, "sidecars attach python services to python services"
        if main is not None:
            shared = {v.name for v in main.volumes}
            for j, vol in enumerate(svc.volumes):
                if vol.name not in shared:
                    yield (
                        ("services", i, "volumes", j, "name"),
                        f"volume {vol.name!r} is not mounted by {main.name!r}: a sidecar "
                        "shares volumes with its main service",
                    )


def _broker(lab: Lab, _dir: Path) -> Iterator[Finding]:
    brokers = [i for i, s in enumerate(lab.services) if s.kind is ServiceKind.NATS]
    for i in brokers[1:]:
        yield ("services", i, "kind"), "a lab has at most one nats broker"
    if not brokers and any(link.protocol is Protocol.EVENT for link in lab.links):
        yield ("links",), "event links need a broker: add a service with `kind: nats`"


def _lab_folder_name(lab: Lab, lab_dir: Path) -> Iterator[Finding]:
    if lab_dir.name != lab.id:
        yield ("id",), f"the lab id {lab.id!r} must match its folder name {lab_dir.name!r}"


def _known(names: set[str]) -> str:
    return "known services: " + (", ".join(sorted(names)) or "none")
