"""Rules across fields of a lab: references, cycles, files, ports, sidecars.

Each rule yields (field location, message); the loader turns them into line-precise problems.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from workbench.lab.limits import DEFAULT_LIMITS, Limits, too_big
from workbench.lab.model import Lab, Protocol, ServiceKind
from workbench.lab.yamlmarks import Loc

Finding = tuple[Loc, str]


def check_lab(lab: Lab, lab_dir: Path, limits: Limits = DEFAULT_LIMITS) -> list[Finding]:
    """Every finding of every rule, each rule one pass over the lab (no rescans per item)."""
    findings: list[Finding] = []
    for rule in (
        _duplicates,
        _references,
        _cycles,
        _ports,
        _sidecars,
        _broker,
        _lab_folder_name,
        _externals,
        _files_only,
    ):
        findings.extend(rule(lab, lab_dir))
    findings.extend(_files(lab, lab_dir, limits))
    findings.extend(_design_graph(lab, lab_dir))
    findings.extend(_lab_tree(lab, lab_dir, limits))
    return findings


def _duplicates(lab: Lab, _dir: Path) -> Iterator[Finding]:
    for section, key, names in (
        ("services", "name", [s.name for s in lab.services]),
        ("exercises", "id", [e.id for e in lab.exercises]),
        ("externals", "name", [x.name for x in lab.externals]),
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
    externals = {x.name for x in lab.externals}
    ends = _known(names, externals)
    for i, link in enumerate(lab.links):
        for end, name in (("from", link.source), ("to", link.target)):
            if name not in names and name not in externals:
                yield ("links", i, end), f"link {end} unknown service {name!r}; {ends}"
        outside = [n for n in (link.source, link.target) if n in externals and n not in names]
        if len(outside) == 2:
            yield ("links", i), "a link between two externals is outside the lab: link a service"
        elif outside and link.protocol is not Protocol.HTTP:
            yield (
                ("links", i, "protocol"),
                f"a link from or to the external {outside[0]!r} is `http` (a call across the "
                "system's edge); events and volumes stay inside the lab",
            )
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


def _files(lab: Lab, lab_dir: Path, limits: Limits) -> Iterator[Finding]:
    for i, svc in enumerate(lab.services):
        if svc.kind is ServiceKind.PYTHON:
            if not svc.source:
                yield ("services", i), "a python service needs `source:` (its code folder)"
                continue
            escape = _outside(lab_dir, svc.source)
            if escape:
                yield ("services", i, "source"), f"folder {escape}"
            elif not (lab_dir / svc.source).is_dir():
                yield ("services", i, "source"), f"folder {svc.source!r} does not exist in the lab"
            else:
                yield from _app(lab_dir, i, svc.source, svc.app)
        elif svc.source:
            yield ("services", i, "source"), "a nats broker has no source folder"
    for i, ex in enumerate(lab.exercises):
        loc: Loc = ("exercises", i, "instructions")
        escape = _outside(lab_dir, ex.instructions)
        if escape:
            yield loc, f"file {escape}"
        elif not (lab_dir / ex.instructions).is_file():
            yield loc, f"file {ex.instructions!r} does not exist"
        elif big := too_big(lab_dir / ex.instructions, limits.page_bytes):
            yield loc, f"file {ex.instructions!r} {big}"
        for j, rel in enumerate(ex.files):
            yield from _learner_file(lab_dir, ("exercises", i, "files", j), rel)


def _app(lab_dir: Path, i: int, source: str, app: str) -> Iterator[Finding]:
    module = app.split(":", 1)[0]
    if ":" not in app or not all(part.isidentifier() for part in module.split(".")):
        yield ("services", i, "app"), "expected module:attribute, e.g. app:app"
        return
    rel = f"{source}/{module.replace('.', '/')}.py"
    escape = _outside(lab_dir, rel)
    if escape:
        yield ("services", i, "app"), f"module file {escape}"
    elif not (lab_dir / rel).is_file():
        yield ("services", i, "app"), f"module {module!r} not found in {source}/"


def _learner_file(lab_dir: Path, loc: Loc, rel: str) -> Iterator[Finding]:
    """Learner files name a place in the workspace: relative, and no way up out of it."""
    parts = PurePosixPath(rel).parts
    if PurePosixPath(rel).is_absolute() or ".." in parts or "\\" in rel or not parts:
        yield (
            loc,
            (
                f"learner file {rel!r} must be a path relative to the workspace, without `..` "
                "(e.g. checkout.py or orders/models.py)"
            ),
        )
        return
    for folder in ("starter", "solution"):
        escape = _outside(lab_dir, f"{folder}/{rel}")
        if escape:
            yield loc, f"learner file {escape}"
        elif not (lab_dir / folder / rel).is_file():
            yield loc, f"learner file {rel!r} is missing from {folder}/"


def _outside(lab_dir: Path, rel: str) -> str | None:
    """Why `rel` (a path in lab.yaml) is not inside the lab folder, or None when it is.

    Resolved as the runtimes use it (symlinks followed), so an absolute path, `../` and a
    symlink that points out of the lab are all caught; `lab_dir` is already resolved.
    """
    try:
        resolved = (lab_dir / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        return f"{rel!r} cannot be resolved ({exc})"
    if resolved == lab_dir or resolved.is_relative_to(lab_dir):
        return None
    return (
        f"{rel!r} resolves to {resolved}, outside the lab folder {lab_dir}: "
        "every path in lab.yaml stays inside the lab"
    )


LAB_FOLDERS = ("starter", "solution", "checks", "mutants")
"""Folders the workbench reads by convention (copies, runs or applies what is in them)."""
PARSED_FOLDERS = ("checks", "mutants")
TOO_MANY_FILES = (
    "starter/, solution/, checks/ and mutants/ hold more than {limit:,} files and folders; "
    "a lab holds at most {limit:,}"
)
"""Of those, the ones whose files the workbench itself reads (check sources, mutant patches)."""


def _lab_tree(_lab: Lab, lab_dir: Path, limits: Limits) -> Iterator[Finding]:
    """The conventional folders, their files and the theory page stay inside the lab too:
    a symlink out of starter/ would copy a file of the host into the learner's workspace."""
    readme = lab_dir / "README.md"
    if readme.is_symlink() or readme.exists():
        escape = _outside(lab_dir, "README.md")
        if escape:
            yield (), f"the theory page {escape}"
        elif big := too_big(readme, limits.page_bytes):
            yield (), f"the theory page README.md {big}"
    entries = 0
    for folder in LAB_FOLDERS:
        top = lab_dir / folder
        if not (top.is_symlink() or top.exists()):
            continue
        escape = _outside(lab_dir, folder)
        if escape:
            yield (), f"folder {escape}"
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            entries += len(dirnames) + len(filenames)
            if entries > limits.lab_files:
                yield (), TOO_MANY_FILES.format(limit=limits.lab_files)
                return
            for name, is_file in [*((d, False) for d in dirnames), *((f, True) for f in filenames)]:
                path = Path(dirpath) / name
                rel = path.relative_to(lab_dir).as_posix()
                escape = _outside(lab_dir, rel) if path.is_symlink() else None
                if escape:
                    yield (), f"file {escape}"
                elif is_file and folder in PARSED_FOLDERS:
                    big = too_big(path, limits.page_bytes)
                    if big:
                        yield (), f"file {rel!r} {big}"


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


def _known(names: set[str], externals: set[str] | None = None) -> str:
    text = "known services: " + (", ".join(sorted(names)) or "none")
    if externals:
        text += "; externals: " + ", ".join(sorted(externals))
    return text


def _externals(lab: Lab, _dir: Path) -> Iterator[Finding]:
    services = {s.name for s in lab.services}
    for i, ext in enumerate(lab.externals):
        if ext.name in services:
            yield (
                ("externals", i, "name"),
                f"{ext.name!r} is a service of the lab: an external is outside it, give it "
                "another name",
            )


def _files_only(lab: Lab, _dir: Path) -> Iterator[Finding]:
    """`needs_services: true` in a lab that runs nothing can never be honoured."""
    if lab.runs_services:
        return
    for i, ex in enumerate(lab.exercises):
        if ex.needs_services and "needs_services" in ex.model_fields_set:
            yield (
                ("exercises", i, "needs_services"),
                "the lab declares no services to run: remove `needs_services`, or set it to false",
            )


def _design_graph(lab: Lab, lab_dir: Path) -> Iterator[Finding]:
    """`design_graph: module:function`, the module a file of the lab (its design code)."""
    if lab.design_graph is None:
        return
    loc: Loc = ("design_graph",)
    module, _, function = lab.design_graph.partition(":")
    parts = module.split(".")
    if not function.isidentifier() or not all(part.isidentifier() for part in parts):
        yield loc, "expected module:function, e.g. design.graph:build (module inside the lab)"
        return
    base = "/".join(parts)
    for rel in (f"{base}.py", f"{base}/__init__.py"):
        escape = _outside(lab_dir, rel)
        if escape:
            yield loc, f"module file {escape}"
            return
        if (lab_dir / rel).is_file():
            return
    yield loc, f"module {module!r} not found in the lab folder (expected {base}.py)"
