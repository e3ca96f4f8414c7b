"""The one protocol every runtime implements, and the records they share.

A `Deployment` is the persisted record of one run of a lab: it lives as JSON in the run folder so
`status`, `logs`, `stop` and `gc` work from another shell and after a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from workbench.lab.model import Lab


class ServiceState(StrEnum):
    STARTING = "starting"
    READY = "ready"
    CRASHED = "crashed"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Endpoint:
    service: str
    kind: str
    url: str
    """Reachable from the host, e.g. http://127.0.0.1:41234 or nats://127.0.0.1:41235."""
    internal_url: str
    """As other services of the lab see it (container DNS name in Docker; same as url locally)."""


@dataclass
class Deployment:
    lab_id: str
    run_id: str
    runtime: str
    run_dir: Path
    lab_path: Path
    workspace: Path | None
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    started_at: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    """Runtime-specific facts (pids, container ids, network name) needed to stop and clean up."""

    RECORD: ClassVar[str] = "run.json"

    def url(self, service: str) -> str:
        return self.endpoints[service].url

    @property
    def nats_url(self) -> str | None:
        return next((e.url for e in self.endpoints.values() if e.kind == "nats"), None)

    def save(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        data = asdict(self)
        data["run_dir"] = str(self.run_dir)
        data["lab_path"] = str(self.lab_path)
        data["workspace"] = str(self.workspace) if self.workspace else None
        tmp = self.run_dir / (self.RECORD + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(self.run_dir / self.RECORD)

    @classmethod
    def load(cls, run_dir: Path) -> Deployment:
        data = json.loads((run_dir / cls.RECORD).read_text(encoding="utf-8"))
        data["run_dir"] = Path(data["run_dir"])
        data["lab_path"] = Path(data["lab_path"])
        data["workspace"] = Path(data["workspace"]) if data["workspace"] else None
        data["endpoints"] = {k: Endpoint(**v) for k, v in data["endpoints"].items()}
        return cls(**data)


@dataclass(frozen=True)
class Progress:
    """One step of start-up, reported as it happens (CLI progress lines, TUI worker updates)."""

    service: str
    phase: str
    """'baking', 'starting', 'waiting', 'ready', 'failed'."""
    detail: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    state: ServiceState
    url: str | None
    detail: str = ""
    faults: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogLine:
    service: str
    text: str


class Runtime(Protocol):
    """What the CLI, the checks and the TUI need from a runtime; local and docker implement it."""

    name: ClassVar[str]

    def up(
        self,
        lab: Lab,
        workspace: Path | None,
        *,
        on_progress: ProgressCallback | None = None,
        deadline: float = 60.0,
    ) -> Deployment:
        """Start every service in dependency order and wait until all are ready.

        A service that crashes or never gets ready raises ServiceFailedError naming it with the
        last lines of its log; the other services keep running (the learner fixes the failing
        one and restarts it). Interrupting start-up (Ctrl-C) leaves nothing behind.
        """
        ...

    def down(self, deployment: Deployment) -> None:
        """Stop every service of the run and remove what it created (graceful, then kill)."""
        ...

    def status(self, deployment: Deployment) -> list[ServiceStatus]: ...

    def logs(
        self,
        deployment: Deployment,
        service: str | None = None,
        *,
        follow: bool = False,
        tail: int | None = None,
    ) -> Iterator[LogLine]: ...

    def restart(self, deployment: Deployment, service: str) -> None: ...

    def kill(self, deployment: Deployment, service: str) -> None: ...

    def pause(self, deployment: Deployment, service: str) -> None: ...

    def resume(self, deployment: Deployment, service: str) -> None: ...

    def partition(self, deployment: Deployment, service: str) -> None:
        """Cut the service off from the other services of the lab."""
        ...

    def heal(self, deployment: Deployment, service: str) -> None: ...
