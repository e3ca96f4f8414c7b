"""`workbench gc` for Docker: remove every container, network and volume the workbench labelled.

By default only what this state folder started (`io.workbench.state=<hash>`): another user's
workbench on the same engine, or a parallel test with its own state folder, keeps its runs.
`everything=True` (`workbench gc --all-states`) removes every `io.workbench.*` object. Images are
the bakery's business (`workbench images --prune`), never touched here.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.dockerengine import labels
from workbench.dockerengine.connection import NO_ENGINE, connect, engine_available

GC_STOP_TIMEOUT = 1.0


@dataclass(frozen=True)
class DockerGcReport:
    containers: int = 0
    networks: int = 0
    volumes: int = 0
    engine: bool = True
    """False when no engine answered (so nothing could be looked at, let alone removed)."""

    def __str__(self) -> str:
        if not self.engine:
            return f"{NO_ENGINE}: nothing to remove there"
        return (
            f"removed {self.containers} container(s), {self.networks} network(s), "
            f"{self.volumes} volume(s)"
        )


def _remove(filters: labels.Filters) -> DockerGcReport:
    """With no engine answering there is nothing to remove: the report says so."""
    if not engine_available():
        return DockerGcReport(engine=False)
    from workbench.dockerengine.removal import remove_labelled

    client = connect()
    try:
        removed = remove_labelled(client, filters, stop_timeout=GC_STOP_TIMEOUT)
    finally:
        client.close()
    return DockerGcReport(removed.containers, removed.networks, removed.volumes)


def gc_all(*, everything: bool = False) -> DockerGcReport:
    """Remove what is labelled with this state folder (or, `everything`, any workbench's)."""
    return _remove(labels.state_filter(everything=everything))


def gc_run(run_id: str) -> DockerGcReport:
    """Remove what one run left (a run folder whose CLI died), without touching other runs."""
    return _remove(labels.run_filter(run_id))
