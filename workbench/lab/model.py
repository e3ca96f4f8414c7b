"""Typed models of lab.yaml (format_version 1).

The models check shapes and types; rules that span several fields (links to unknown services,
dependency cycles, missing files) live in `rules.py` so every problem can be reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

FORMAT_VERSION = 1

Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")]
"""Service and lab names: lower-case, DNS-safe, short enough for container names."""

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")]


class Strict(BaseModel):
    """Base of every lab.yaml model: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ServiceKind(StrEnum):
    PYTHON = "python"
    NATS = "nats"


class Protocol(StrEnum):
    HTTP = "http"
    EVENT = "event"
    VOLUME = "volume"
    NETNS = "netns"


class Difficulty(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class FaultKind(StrEnum):
    """Process-level faults act on the runtime; request-level ones go through the service kit."""

    KILL = "kill"
    PAUSE = "pause"
    RESTART = "restart"
    LATENCY = "latency"
    ERROR_RATE = "error_rate"
    FAIL_NEXT = "fail_next"
    RESET = "reset"
    PARTITION = "partition"


DEFAULT_PORTS = {ServiceKind.PYTHON: 8000, ServiceKind.NATS: 4222}


class VolumeMount(Strict):
    name: Name
    mount: str = Field(pattern=r"^/")
    read_only: bool = False


class Service(Strict):
    name: Name
    kind: ServiceKind = ServiceKind.PYTHON
    description: str = ""
    source: str | None = None
    """Folder of the service code, relative to the lab (python services)."""
    app: str = "app:app"
    """ASGI app as module:attribute inside `source`."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """Port the service listens on inside its container; locally a free port is used instead."""
    env: dict[str, str] = Field(default_factory=dict)
    depends_on: list[Name] = Field(default_factory=list)
    readiness: str = Field(default="/ready", pattern=r"^/")
    workspace: bool = True
    """Whether the service loads learner files from the workspace: only such services get the
    workspace on their path (locally) or mounted (Docker), and reload when it changes; the others
    keep running while the learner saves."""
    sidecar_of: Name | None = None
    volumes: list[VolumeMount] = Field(default_factory=list)
    store: str | None = None
    """The data store this service owns, if any (drawn in the topology)."""
    context: str | None = None
    """Bounded context or group the service belongs to (clusters in diagrams)."""

    @property
    def container_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.kind]

    @property
    def needs(self) -> set[str]:
        """What must be ready before this service loads its code: its dependencies, its main."""
        return set(self.depends_on) | ({self.sidecar_of} if self.sidecar_of else set())


class Link(Strict):
    source: Name = Field(alias="from")
    target: Name = Field(alias="to")
    protocol: Protocol
    label: str = ""
    """For events, the subject (e.g. `order.approved`); otherwise a short description."""


class Exercise(Strict):
    id: Slug
    title: str
    instructions: str
    """Markdown page, relative to the lab."""
    files: list[str] = Field(default_factory=list)
    """Learner files (relative to the workspace) this exercise asks to edit."""
    hints: list[str] = Field(default_factory=list)
    needs_services: bool = True
    """Whether its checks talk to the lab's services. A files-only exercise (`false`) is checked
    on the workspace alone: `workbench check`, the self-test and the TUI start nothing for it and
    need nothing running. Labs without services have only files-only exercises."""


class External(Strict):
    """Something outside the system the lab draws (a browser, a carrier, the internet): links
    may go from or to it; it runs nothing and belongs to no context."""

    name: Name
    description: str = ""


class Fault(Strict):
    kind: FaultKind
    services: list[Name] = Field(default_factory=list)
    """Services the fault is offered on; empty means every python service."""
    description: str = ""


class Network(Strict):
    egress: bool = False
    """Whether services may reach outside the lab network (Docker); off by default."""


class Lab(Strict):
    format_version: Literal[1]
    id: Name
    title: str
    summary: str
    patterns: list[str] = Field(default_factory=list)
    difficulty: Difficulty
    minutes: int = Field(gt=0, le=600)
    services: list[Service] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    exercises: list[Exercise] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    network: Network = Field(default_factory=Network)
    externals: list[External] = Field(default_factory=list)
    design_graph: str | None = None
    """`module:function` (module relative to the lab folder, e.g. `design.graph:build`) that
    builds the learner's design as a topology graph from their workspace folder."""

    _path: Path = PrivateAttr(default=Path("."))

    @property
    def path(self) -> Path:
        """The lab folder (where lab.yaml lives)."""
        return self._path

    @property
    def runs_services(self) -> bool:
        """Design labs (decomposition, STRIDE) have nothing to start; checks read files only."""
        return bool(self.services)

    def needs_services(self, exercises: Iterable[str] | None = None) -> bool:
        """Whether checking `exercises` (default: every exercise) needs the lab's services."""
        if not self.runs_services:
            return False
        chosen = [e.id for e in self.exercises] if exercises is None else list(exercises)
        return any(self.exercise(ex).needs_services for ex in chosen)

    @property
    def broker(self) -> Service | None:
        return next((s for s in self.services if s.kind is ServiceKind.NATS), None)

    def service(self, name: str) -> Service:
        for svc in self.services:
            if svc.name == name:
                return svc
        raise KeyError(name)

    def exercise(self, exercise_id: str) -> Exercise:
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise KeyError(exercise_id)

    def start_order(self) -> list[list[Service]]:
        """Services in waves: each wave needs only earlier waves (sidecars after their main)."""
        known = {s.name for s in self.services}
        remaining = {s.name: s for s in self.services}
        done: set[str] = set()
        waves: list[list[Service]] = []
        while remaining:
            wave = [s for s in remaining.values() if (s.needs & known) <= done]
            if not wave:  # a cycle: validation reports it; here we only avoid looping forever
                wave = list(remaining.values())
            waves.append(sorted(wave, key=lambda s: s.name))
            for s in wave:
                done.add(s.name)
                del remaining[s.name]
        return waves

    @property
    def starter_dir(self) -> Path:
        return self.path / "starter"

    @property
    def solution_dir(self) -> Path:
        return self.path / "solution"

    @property
    def mutants_dir(self) -> Path:
        return self.path / "mutants"

    @property
    def checks_dir(self) -> Path:
        return self.path / "checks"
