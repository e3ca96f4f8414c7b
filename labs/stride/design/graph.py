"""The learner's threat model (`threatmodel.yaml`): read, checked for names, and drawn.

`load(workspace)` reads the file into a `Model` (every element, flow, boundary and threat with
the line it is on) or raises `DesignError` naming the line and what is wrong: a file that is not
YAML, an unknown element, category, control or probe ("did you mean ...?", with the known ones),
a duplicate id (both lines). The checks grade the `Model`; `build(workspace)` (lab.yaml
`design_graph: design.graph:build`) draws it: trust boundaries as contexts, each element marked
with the STRIDE categories it still lacks a threat for.

The vocabulary (categories per element kind, controls, probes) lives here, so the exercise pages,
the checks and the drawing never disagree.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from workbench.topology import DesignError

FILE = "threatmodel.yaml"
CATEGORIES = ("S", "T", "R", "I", "D", "E")
CATEGORY_NAMES = {
    "spoofing": "S", "tampering": "T", "repudiation": "R", "information-disclosure": "I",
    "information disclosure": "I", "disclosure": "I", "denial-of-service": "D",
    "denial of service": "D", "elevation-of-privilege": "E", "elevation of privilege": "E",
    "elevation": "E",
}  # fmt: skip
KINDS = {"external_entities": "external", "processes": "process", "data_stores": "store"}
APPLICABLE = {"external": "SR", "process": "STRIDE", "store": "TID", "flow": "TID"}
"""STRIDE per element: the categories a threat of each kind of element may have."""

CONTROLS = {
    # From the application-security list of the course (seed 004) and the service mesh (001).
    "authentication": "the caller proves who it is (a signed, current token)",
    "token-signature": "the token's HMAC is recomputed and compared before any claim is used",
    "token-expiry": "a token past its exp is refused",
    "signed-forwarded-identity": "the identity the gateway forwards carries its HMAC",
    "mtls": "both sides of an internal call prove who they are with certificates",
    "authorization": "every request is allowed or refused by a policy",
    "rbac": "roles decide what a caller may do",
    "owner-check": "a record is shown only to its owner (or an admin)",
    "audit-log": "every request, allowed or refused, leaves a record with its actor",
    "hash-chain": "each audit record carries the hash of the one before it",
    "input-validation": "malformed input is refused at the edge",
    "body-size-limit": "bodies over the limit are refused before a backend sees them",
    "rate-limiting": "each client gets a bounded number of requests per second",
    "error-shaping": "errors reach the client as {code, message, request_id} only",
    "exception-handling": "failures are caught and turned into plain answers",
    "secret-management": "keys come from the environment, never from code or logs",
    "tls": "data in transit is encrypted",
    "encryption-at-rest": "stored data is encrypted",
    # The Docker runtime's hardening of every container (seed 002's checklist).
    "non-root-user": "containers run as user 10001",
    "read-only-root": "the root file system is read-only",
    "capabilities-dropped": "every Linux capability is dropped",
    "no-new-privileges": "no process can gain privileges (setuid) inside the container",
    "resource-limits": "memory and pids limits bound what one container can take",
    "no-egress": "the lab network is internal: no container reaches the internet",
}
HARDENING = {"non-root-user", "read-only-root", "capabilities-dropped", "no-new-privileges",
             "resource-limits", "no-egress"}  # fmt: skip
"""Controls the runtime gives every container: no probe of this lab can show them."""

PROBES = {
    "S-no-token": "a request without a token is refused with 401",
    "S-bad-signature": "a token with a wrong signature is refused with 401",
    "S-alg-none": "an unsigned token (alg: none) is refused with 401",
    "S-expired": "a token past its exp is refused with 401",
    "S-garbage-token": "a garbage or 10 KiB Authorization header gets 401, never 500",
    "S-forged-forward": "a direct call to orders with a forged X-User: carol is refused with 401",
    "T-edited-role": "a token whose payload was edited to role: admin is refused with 401",
    "R-audit-every-request": "every request, allowed or refused, has an audit record in 2 s",
    "R-audit-chain": "the audit log's hash chain verifies",
    "I-error-body": "an orders failure reaches the client as {code, message, request_id}",
    "I-other-owner": "alice reading bob's order gets 404",
    "D-rate-limit": "a burst from one customer gets 429 + Retry-After; another's still pass",
    "D-body-size": "a body over 64 KiB gets 413 and orders never sees it",
    "E-admin-route": "a customer on /admin/orders gets 403",
}
REQUIRED_PROBES = ("S-no-token", "S-bad-signature", "S-alg-none", "S-expired", "S-forged-forward",
                   "T-edited-role", "R-audit-every-request", "I-error-body", "I-other-owner",
                   "D-rate-limit", "D-body-size", "E-admin-route")  # fmt: skip
SHARED_KEY_THREAT = "shared-signing-key"
STATUSES = ("mitigated", "accepted")


@dataclass(frozen=True)
class Element:
    id: str
    kind: str  # external | process | store
    line: int
    owner: str | None = None


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str
    line: int
    data: str = ""


@dataclass(frozen=True)
class Boundary:
    id: str
    contains: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Threat:
    id: str
    element: str
    category: str
    line: int
    status: str
    control: str | None
    probe: str | None
    reason: str
    owner: str
    description: str


@dataclass
class Model:
    elements: dict[str, Element] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    boundaries: dict[str, Boundary] = field(default_factory=dict)
    threats: list[Threat] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Element]:
        return [e for e in self.elements.values() if e.kind == kind]

    def boundaries_of(self, element: str) -> list[str]:
        return [b.id for b in self.boundaries.values() if element in b.contains]

    def crosses(self, flow: Flow) -> bool:
        """Whether the flow goes from one trust boundary into another."""
        return set(self.boundaries_of(flow.source)) != set(self.boundaries_of(flow.target))

    def kind_of(self, target: str) -> str:
        return "flow" if target in self.flows else self.elements[target].kind

    def threats_on(self, target: str) -> list[Threat]:
        return [t for t in self.threats if t.element == target]

    def missing(self, target: str) -> str:
        """The applicable categories `target` has no threat for yet."""
        have = {t.category for t in self.threats_on(target)}
        kind = self.kind_of(target)
        if kind == "flow" and not self.crosses(self.flows[target]):
            return ""
        need = APPLICABLE[kind]
        if kind == "store" and self.elements[target].owner == "audit":
            need += "R"
        return "".join(c for c in CATEGORIES if c in need and c not in have)


# -- reading --------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """Keeps the line of every mapping, under the key `__line__`."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    value = loader.construct_mapping(node, deep=True)
    value["__line__"] = node.start_mark.line + 1
    return value


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def suggest(name: str, known: list[str] | tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.5)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {name!r}{hint}; known: {', '.join(known) or 'none yet'}"


def read_yaml(workspace: Path) -> dict[str, Any]:
    path = workspace / FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DesignError(f"{FILE} is missing from your workspace") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DesignError(f"{FILE} cannot be read: {exc}") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise DesignError(f"{FILE}{where}: {problem}") from None
    if not isinstance(data, dict):
        raise DesignError(f"{FILE} must be a mapping with external_entities, processes, "
                          "data_stores, flows, boundaries and threats")  # fmt: skip
    return data


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    raw = data.get(key) or []
    if not isinstance(raw, list):
        raise DesignError(f"{FILE} line {data.get('__line__', 1)}: `{key}` must be a list")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise DesignError(f"{FILE}: every entry of `{key}` is a mapping with an `id` "
                              f"(found {item!r})")  # fmt: skip
        out.append(item)
    return out


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value).strip()


def _id(item: dict[str, Any], key: str, ids: dict[str, int]) -> str:
    line = int(item.get("__line__", 0))
    name = _text(item, "id")
    if not name:
        raise DesignError(f"{FILE} line {line}: this entry of `{key}` has no `id`")
    if name in ids:
        raise DesignError(f"{FILE}: the id {name!r} is used twice, on line {ids[name]} and "
                          f"line {line}: every id names one thing")  # fmt: skip
    ids[name] = line
    return name


def category_of(raw: str, line: int) -> str:
    value = raw.strip()
    if value.upper() in CATEGORIES:
        return value.upper()
    named = CATEGORY_NAMES.get(value.lower())
    if named:
        return named
    raise DesignError(f"{FILE} line {line}: " + suggest(value, CATEGORIES, "STRIDE category"))


def load(workspace: Path) -> Model:
    data = read_yaml(workspace)
    model = Model()
    ids: dict[str, int] = {}
    for key, kind in KINDS.items():
        for item in _items(data, key):
            name = _id(item, key, ids)
            owner = _text(item, "owner") or None
            model.elements[name] = Element(name, kind, int(item["__line__"]), owner)
    names = sorted(model.elements)
    for item in _items(data, "flows"):
        line = int(item["__line__"])
        source, target = _text(item, "from"), _text(item, "to")
        for end in (source, target):
            if end not in model.elements:
                raise DesignError(f"{FILE} line {line}: flow from {source!r} to {target!r}: "
                                  + suggest(end, names, "element"))  # fmt: skip
        if not item.get("id"):
            item["id"] = f"{source}->{target}"
        name = _id(item, "flows", ids)
        model.flows[name] = Flow(name, source, target, line, _text(item, "data"))
    for item in _items(data, "boundaries"):
        name = _id(item, "boundaries", ids)
        line = int(item["__line__"])
        contains = item.get("contains") or []
        if not isinstance(contains, list):
            raise DesignError(f"{FILE} line {line}: boundary {name!r} needs `contains:`, a list")
        for element in contains:
            if str(element) not in model.elements:
                raise DesignError(f"{FILE} line {line}: boundary {name!r}: "
                                  + suggest(str(element), names, "element"))  # fmt: skip
        model.boundaries[name] = Boundary(name, tuple(str(e) for e in contains), line)
    targets = names + sorted(model.flows)
    threat_ids: dict[str, int] = {}
    for item in _items(data, "threats"):
        name = _id(item, "threats", threat_ids)
        line = int(item["__line__"])
        element = _text(item, "element")
        if element not in model.elements and element not in model.flows:
            raise DesignError(f"{FILE} line {line}: threat {name!r}: "
                              + suggest(element, targets, "element or flow"))  # fmt: skip
        status = _text(item, "status").lower()
        if status not in STATUSES:
            raise DesignError(f"{FILE} line {line}: threat {name!r} has status {status!r}; "
                              "a threat is `mitigated` (with a control) or `accepted` (with a "
                              "reason and an owner)")  # fmt: skip
        control = _text(item, "control") or None
        if control is not None and control not in CONTROLS:
            raise DesignError(f"{FILE} line {line}: threat {name!r}: "
                              + suggest(control, sorted(CONTROLS), "control"))  # fmt: skip
        probe = _text(item, "probe") or None
        if probe is not None and probe not in PROBES:
            raise DesignError(f"{FILE} line {line}: threat {name!r}: "
                              + suggest(probe, sorted(PROBES), "probe"))  # fmt: skip
        model.threats.append(Threat(
            name, element, category_of(_text(item, "category"), line), line, status, control,
            probe, _text(item, "reason"), _text(item, "owner"), _text(item, "description"),
        ))  # fmt: skip
    return model


# -- drawing --------------------------------------------------------------------------------------

NODE_KIND = {"external": "external", "process": "service", "store": "store"}


def build(workspace: Path) -> nx.MultiDiGraph:
    """The learner's DFD: boundaries as contexts, each element with the categories it lacks."""
    model = load(workspace)
    g = nx.MultiDiGraph()
    for element in model.elements.values():
        where = model.boundaries_of(element.id)
        open_ = model.missing(element.id)
        g.add_node(
            element.id,
            kind=NODE_KIND[element.kind],
            label=f"{element.id} [{open_} open]" if open_ else element.id,
            # An external entity belongs to no context in the drawings: its boundary is named.
            context=where[0] if where and element.kind != "external" else None,
            description=(f"boundary {', '.join(where) or 'none'}; "
                         + (f"no threat yet for {open_}" if open_ else "every category handled")),
        )  # fmt: skip
    for flow in model.flows.values():
        open_ = model.missing(flow.id)
        label = flow.id + (" (crosses)" if model.crosses(flow) else "")
        store = _owned_store(model, flow)
        if store is not None and not open_:
            # A process and its own store: drawn as the store inside the process's box.
            g.add_edge(store.owner, store.id, kind="store", label=label)
            continue
        g.add_edge(flow.source, flow.target, kind="http",
                   label=f"{label} [{open_} open]" if open_ else label)  # fmt: skip
    return g


def _owned_store(model: Model, flow: Flow) -> Element | None:
    for end, other in ((flow.source, flow.target), (flow.target, flow.source)):
        element = model.elements[end]
        if element.kind == "store" and element.owner == other:
            return element
    return None
