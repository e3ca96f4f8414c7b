"""`workbench gc`: remove whatever runs left behind, on every runtime, after a crash or `kill -9`.

Local runs are found in the run folders (only processes that are still the ones a run recorded are
ended); Docker leftovers by their `io.workbench.*` labels. No Docker engine is no error here: the
report says so and the local clean-up still happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    from workbench.runtime.docker import DockerGcReport
    from workbench.runtime.gc import GcReport


@dataclass(frozen=True)
class Cleanup:
    local: GcReport
    docker: DockerGcReport | None
    docker_problem: str | None
    """Why Docker leftovers could not be looked for (no engine answers), or None."""


def collect_garbage(*, all_states: bool = False) -> Cleanup:
    """Stop and remove every run's leftovers; `all_states` also removes Docker objects of other
    workbench state folders (every io.workbench.* container, network and volume)."""
    from workbench.runtime.docker import gc_all as docker_gc_all
    from workbench.runtime.gc import gc_local

    local = gc_local()
    try:
        # Cheap without an engine: it pings first, and imports the Docker SDK only when one answers.
        return Cleanup(local, docker_gc_all(everything=all_states), None)
    except WorkbenchError as exc:
        return Cleanup(local, None, exc.message)
