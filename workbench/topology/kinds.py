"""The vocabulary of the topology graph: node kinds, edge kinds, live states.

Presentation (colours, glyphs, shapes) is not here: it belongs to `workbench.drawing`.
"""

from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    SERVICE = "service"
    BROKER = "broker"
    STORE = "store"
    """The data a service owns (database per service); one per owner, id `store:<owner>`."""
    VOLUME = "volume"
    """A named volume shared by mounting services, id `volume:<name>`."""
    SUBJECT = "subject"
    """A broker subject (topic), id `subject:<subject>`; publishers -> subject -> consumers."""
    EXTERNAL = "external"
    """Outside the system: one lab.yaml declares in `externals:` (a browser, a carrier;
    `declared=True`, with its `description`), or a peer a service called at run time that the lab
    does not declare at all (`declared=False`, added by the overlay). Never in a context."""


class EdgeKind(StrEnum):
    HTTP = "http"
    """A synchronous request/response call: the caller waits."""
    EVENT = "event"
    """Publisher -> subject, or subject -> consumer: asynchronous."""
    VOLUME = "volume"
    """Writer -> volume -> reader (a read-only mount reads)."""
    NETNS = "netns"
    """Sidecar -> main service: they share one network namespace (localhost)."""
    STORE = "store"
    """Owner -> its store."""


SYNC_KINDS: frozenset[str] = frozenset({EdgeKind.HTTP})


class NodeState(StrEnum):
    """What the live overlay knows about a node; `declared` means no runtime information."""

    DECLARED = "declared"
    STARTING = "starting"
    READY = "ready"
    FAULTED = "faulted"
    """Running, with faults injected."""
    PAUSED = "paused"
    CRASHED = "crashed"
    STOPPED = "stopped"


def store_id(owner: str) -> str:
    return f"store:{owner}"


def volume_id(name: str) -> str:
    return f"volume:{name}"


def subject_id(subject: str) -> str:
    return f"subject:{subject}"
