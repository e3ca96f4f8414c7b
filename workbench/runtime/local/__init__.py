"""The local runtime: each service a process on the loopback, no Docker needed.

Modules: `runtime` (the `Runtime`: start, stop, status, faults), `env` (each process's command
line and environment), `procs` (process groups and their records), `state` (what state a service
is in), `ports` (free loopback ports), `logfiles` (reading and following log files).
"""

from __future__ import annotations

from workbench.runtime.local.runtime import LocalRuntime

__all__ = ["LocalRuntime"]
