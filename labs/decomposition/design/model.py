"""The body-leasing material and a learner's cut of it, read as data (never imported code).

`load_material(path)` reads `bodyleasing.yaml` (the lab's copy: the checks never trust the
workspace's). `read_cut(workspace, material)` reads the learner's `decomposition.yaml`; anything
that stops it from being read as a cut is a `DesignError` naming the file and the line, or the
unknown name with the nearest known one. Whether the cut is a *good* one is for the checks.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.topology import DesignError

CUT_FILE = "decomposition.yaml"
STEP_TYPES = ("compensable", "pivot", "retryable")


@dataclass(frozen=True)
class Entity:
    name: str
    aggregate: str
    zone: str


@dataclass(frozen=True)
class Aggregate:
    name: str
    team: str
    root: str
    entities: tuple[str, ...]
    actions: tuple[str, ...]


@dataclass(frozen=True)
class UseCase:
    id: str
    title: str
    team: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    latency_critical: bool

    @property
    def touches(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.reads + self.writes))


@dataclass(frozen=True)
class Material:
    aggregates: dict[str, Aggregate]
    entities: dict[str, Entity]
    use_cases: dict[str, UseCase]

    def aggregate_of(self, entity: str) -> Aggregate:
        return self.aggregates[self.entities[entity].aggregate]


def _names(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or [])


def load_material(path: Path) -> Material:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    aggregates: dict[str, Aggregate] = {}
    entities: dict[str, Entity] = {}
    for raw in data["aggregates"]:
        names = tuple(str(e["name"]) for e in raw["entities"])
        aggregates[raw["name"]] = Aggregate(
            raw["name"], raw["team"], raw["root"], names, _names(raw.get("actions"))
        )
        for e in raw["entities"]:
            entities[str(e["name"])] = Entity(str(e["name"]), raw["name"], str(e["zone"]))
    use_cases = {
        str(u["id"]): UseCase(
            str(u["id"]),
            str(u["title"]),
            str(u["team"]),
            _names(u.get("reads")),
            _names(u.get("writes")),
            bool(u.get("latency_critical", False)),
        )
        for u in data["use_cases"]
    }
    return Material(aggregates, entities, use_cases)


@dataclass(frozen=True)
class Step:
    service: str
    action: str
    type: str
    compensation: str | None
    line: int

    def describe(self) -> str:
        return f"{self.service}.{self.action} ({self.type})"


@dataclass
class Service:
    name: str
    entities: list[str] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)
    replicated: list[str] = field(default_factory=list)


@dataclass
class Cut:
    services: dict[str, Service]
    sagas: dict[str, list[Step]]
    saga_lines: dict[str, int]

    def owners(self) -> dict[str, list[str]]:
        """entity -> the services that own it (a correct cut has exactly one each)."""
        out: dict[str, list[str]] = {}
        for service in self.services.values():
            for entity in service.entities:
                out.setdefault(entity, []).append(service.name)
        return out

    def use_case_owners(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for service in self.services.values():
            for uc in service.use_cases:
                out.setdefault(uc, []).append(service.name)
        return out

    def owner(self) -> dict[str, str]:
        """entity -> its (first) owning service; use after the cut passed exercise 1."""
        return {e: names[0] for e, names in self.owners().items()}


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line (`__line__`), so a problem can name where it is."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def nearest(name: str, known: list[str] | tuple[str, ...] | set[str]) -> str:
    """`; did you mean 'X'?` for the closest known name, or '.' when nothing is close."""
    squashed = {k.replace(" ", "").replace("-", "").lower(): k for k in known}
    key = name.replace(" ", "").replace("-", "").lower()
    if key in squashed:
        return f"; did you mean {squashed[key]!r}?"
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else "."


def _load_yaml(workspace: Path) -> dict[str, Any]:
    path = workspace / CUT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DesignError(f"{CUT_FILE} is missing from your workspace ({workspace})") from None
    except UnicodeDecodeError:
        raise DesignError(f"{CUT_FILE} is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise DesignError(f"{CUT_FILE}{where}: {problem}") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise DesignError(f"{CUT_FILE} needs `services:`, a mapping of service name to its parts")
    return data


def _list(raw: dict[str, Any], key: str, where: str) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise DesignError(
            f"{CUT_FILE} line {raw.get('__line__', '?')}: {where} `{key}:` must be a list of names"
        )
    return [str(v) for v in value]


def read_cut(workspace: Path, material: Material) -> Cut:
    """The learner's cut, or `DesignError` saying what stops it being read."""
    data = _load_yaml(workspace)
    services: dict[str, Service] = {}
    for name, raw in data["services"].items():
        if name == "__line__":
            continue
        if not isinstance(raw, dict):
            raise DesignError(
                f"{CUT_FILE}: service {name!r} needs `entities:` and `use_cases:` lists"
            )
        where = f"service {name!r}"
        service = Service(
            str(name),
            _list(raw, "entities", where),
            _list(raw, "use_cases", where),
            _list(raw, "replicated", where),
        )
        line = raw.get("__line__", "?")
        for entity in service.entities + service.replicated:
            if entity not in material.entities:
                raise DesignError(
                    f"{CUT_FILE} line {line}: {where}: unknown entity {entity!r}"
                    f"{nearest(entity, set(material.entities))}"
                )
        for uc in service.use_cases:
            if uc not in material.use_cases:
                raise DesignError(
                    f"{CUT_FILE} line {line}: {where}: unknown use case {uc!r}"
                    f"{nearest(uc, set(material.use_cases))}"
                )
        services[service.name] = service
    if not services:
        raise DesignError(f"{CUT_FILE}: `services:` is empty; name at least one service")
    sagas, lines = _read_sagas(data.get("sagas"))
    return Cut(services, sagas, lines)


def _read_sagas(raw: Any) -> tuple[dict[str, list[Step]], dict[str, int]]:
    if raw is None:
        return {}, {}
    if not isinstance(raw, dict):
        raise DesignError(f"{CUT_FILE}: `sagas:` maps a use case id to its list of steps")
    sagas: dict[str, list[Step]] = {}
    lines: dict[str, int] = {}
    for use_case, steps in raw.items():
        if use_case == "__line__":
            continue
        if not isinstance(steps, list):
            raise DesignError(f"{CUT_FILE}: saga {use_case!r} needs a list of steps")
        parsed = []
        for i, step in enumerate(steps, 1):
            if not isinstance(step, dict) or not step.get("service") or not step.get("action"):
                raise DesignError(
                    f"{CUT_FILE}: saga {use_case!r} step {i} needs `service:` and `action:`"
                )
            kind = str(step.get("type", ""))
            if kind not in STEP_TYPES:
                raise DesignError(
                    f"{CUT_FILE} line {step['__line__']}: saga {use_case!r} step {i} has type "
                    f"{kind!r}; a step is {', '.join(STEP_TYPES)}"
                )
            compensation = step.get("compensation")
            parsed.append(
                Step(
                    str(step["service"]),
                    str(step["action"]),
                    kind,
                    None if compensation is None else str(compensation),
                    int(step["__line__"]),
                )
            )
        sagas[str(use_case)] = parsed
        lines[str(use_case)] = int(parsed[0].line) if parsed else 0
    return sagas, lines
