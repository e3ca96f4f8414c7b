"""`workbench gc` for Docker: remove every container, network and volume the workbench labelled.

By default only what this state folder started (`io.workbench.state=<hash>`): another user's
workbench on the same engine, or a parallel test with its own state folder, keeps its runs.
`everything=True` (`workbench gc --all-states`) removes every `io.workbench.*` object. Images are
the bakery's business (`workbench images --prune`), never touched here.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.runtime import docker_labels as labels
from workbench.runtime.docker_engine import connect, engine_available

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
            return "no Docker engine answers: nothing to remove there"
        return (
            f"removed {self.containers} container(s), {self.networks} network(s), "
            f"{self.volumes} volume(s)"
        )


def gc_all(*, everything: bool = False) -> DockerGcReport:
    """Remove what is labelled; returns how many containers, networks and volumes went.

    With no engine answering there is nothing to remove: all counts are 0.
    """
    if not engine_available():
        return DockerGcReport(engine=False)
    from workbench.runtime.docker_containers import remove_by_filter

    client = connect()
    try:
        counts = remove_by_filter(
            client, labels.gc_filter(everything=everything), stop_timeout=GC_STOP_TIMEOUT
        )
    finally:
        client.close()
    return DockerGcReport(counts["containers"], counts["networks"], counts["volumes"])


def gc_run(run_id: str) -> DockerGcReport:
    """Remove what one run left (a run folder whose CLI died), without touching other runs."""
    if not engine_available():
        return DockerGcReport(engine=False)
    from workbench.runtime.docker_containers import remove_by_filter

    client = connect()
    try:
        counts = remove_by_filter(client, labels.run_filter(run_id), stop_timeout=GC_STOP_TIMEOUT)
    finally:
        client.close()
    return DockerGcReport(counts["containers"], counts["networks"], counts["volumes"])
