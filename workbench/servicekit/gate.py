"""The ASGI entry of every local python service: warm up, wait for the go signal, load the app.

Importing FastAPI and friends is most of a service's start-up (~0.45 s of CPU each). Started
strictly one dependency wave after the other, a lab would pay that cost wave by wave. Instead the
local runtime starts every process at once with `uvicorn workbench.servicekit.gate:app`: each
process imports the heavy libraries right away, then waits until its gate file exists, which the
runtime creates once the service's dependencies are ready. Only then is the service's own module
(`WORKBENCH_APP`, e.g. `app:app` from its --app-dir) imported, so its start-up code still runs
in dependency order. A reload (file change) finds the gate open and loads the app at once.

This module runs inside the service process (the Docker runtime runs a copy of this file in each
service container); it must stay tiny and import nothing of the workbench but the service kit and
its environment contract. Importing it *is* running it: nothing else imports it.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

# The warm-up: what every kit service imports anyway, while its dependencies start.
import fastapi  # noqa: F401
import httpx  # noqa: F401
import nats  # noqa: F401

import workbench.servicekit  # noqa: F401
from workbench import service_env as contract


def _wait_for_gate(gate: str | None) -> None:
    if not gate or Path(gate).exists():
        return
    # uvicorn defers SIGTERM/SIGINT while it loads the app; a stop must not wait for the gate.
    saved = {sig: signal.signal(sig, signal.SIG_DFL) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not Path(gate).exists():
            time.sleep(0.01)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the service's (or the learner's) code failed: say where, briefly
        _report(target, exc)
        raise SystemExit(1) from None
    app = module
    for part in (attribute or "app").split("."):
        app = getattr(app, part)
    return app


def _report(target: str, exc: Exception) -> None:
    """The traceback of the lab's own files only: import machinery and libraries are noise to a
    learner, and the log tail the workbench shows is short."""
    ours = Path(__file__).resolve().parent.parent  # the workbench package
    tb = traceback.TracebackException.from_exception(exc)
    tb.stack = traceback.StackSummary.from_list(
        [f for f in tb.stack if not f.filename.startswith(("<", str(ours), sys.prefix,
                                                           sys.base_prefix))]
    )  # fmt: skip
    sys.stderr.write(f"error: cannot load the service's app {target!r}\n")
    sys.stderr.write("".join(tb.format()))
    sys.stderr.flush()


_wait_for_gate(os.environ.get(contract.GATE))
app = _load(os.environ.get(contract.APP, "app:app"))
