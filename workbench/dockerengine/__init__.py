"""The Docker engine, as distinct from the Docker *runtime*: the one adapter over the `docker` SDK.

- `connection`: is an engine there (a ping, no SDK import), `connect()`, the one "no engine" error;
- `labels`: the `io.workbench.` label namespace of every object the workbench makes (images by the
  bakery; containers, networks and volumes by the Docker runtime) and the filters that find them;
- `removal`: removing what carries a label, used by the Docker runtime (`down`, a failed start),
  `workbench gc` and the bakery (`workbench images --prune`, left-over build stages);
- `images`: looking an image up; `parallel`: engine calls in threads.

Importing this package (and `connection`, `labels`) costs no SDK import; `removal`, `images`
and the bakery's builds import the SDK.
"""

from __future__ import annotations

from workbench.dockerengine.connection import (
    NO_ENGINE,
    NO_ENGINE_HINT,
    connect,
    engine_available,
    no_engine,
)

__all__ = ["NO_ENGINE", "NO_ENGINE_HINT", "connect", "engine_available", "no_engine"]
