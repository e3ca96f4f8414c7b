"""The start gate of a Docker run: one parallel warm-up, then each service in dependency order.

Container start and Python imports are most of a lab's start-up. Started strictly wave after wave,
a lab pays both once per wave. Instead every container starts at once running the local runtime's
gate module (`workbench/runtime/localgate.py`, the same file, so both runtimes behave alike): it
imports FastAPI and friends, then waits for its gate file, which the runtime creates once the
service's dependencies are ready, and only then imports the service's own code.

The gate folder lives in the run folder (`<run_dir>/gate`: the module as `wbgate.py`, gate files
in `open/`) and is bind-mounted read-only at /opt/wbgate; a file created on the host appears in
every container at once.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.runtime.docker_specs import GATE_MODULE

GATE_SOURCE = "workbench.runtime.localgate"


def prepare_gate(run_dir: Path) -> Path:
    """Make `<run_dir>/gate` (readable by the container user); returns it."""
    spec = importlib.util.find_spec(GATE_SOURCE)
    if spec is None or spec.origin is None:  # importing it would run it: find the file instead
        raise WorkbenchError(f"the gate module {GATE_SOURCE} is missing from this workbench")
    gate = run_dir / "gate"
    (gate / "open").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec.origin, gate / f"{GATE_MODULE}.py")
    (gate / f"{GATE_MODULE}.py").chmod(0o644)
    for folder in (gate, gate / "open"):
        folder.chmod(0o755)
    return gate


def open_gate(gate: Path, service: str) -> None:
    (gate / "open" / service).touch(mode=0o644)
