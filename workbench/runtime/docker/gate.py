"""The start gate of a Docker run: one parallel warm-up, then each service in dependency order.

Container start and Python imports are most of a lab's start-up. Started strictly wave after wave,
a lab pays both once per wave. Instead every container starts at once running the service kit's
gate module (`workbench/servicekit/gate.py`, the file the local runtime runs too, so both runtimes
behave alike): it imports FastAPI and friends, then waits for its gate file, which the runtime
creates once the service's dependencies are ready, and only then imports the service's own code.

The gate folder lives in the run folder (`<run_dir>/gate`: the module as `wbgate.py`, gate files
in `open/`) and is bind-mounted read-only at /opt/wbgate; a file created on the host appears in
every container at once.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from workbench import paths
from workbench.errors import WorkbenchError
from workbench.runtime.docker.specs import GATE_MODULE

GATE_SOURCE = paths.PACKAGE_DIR / "servicekit" / "gate.py"
"""The file, not the module: importing it would run it (and load the service kit's libraries)."""


def prepare_gate(run_dir: Path) -> Path:
    """Make `<run_dir>/gate` (readable by the container user); returns it."""
    if not GATE_SOURCE.is_file():
        raise WorkbenchError(f"the gate module {GATE_SOURCE} is missing from this workbench")
    gate = run_dir / "gate"
    (gate / "open").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(GATE_SOURCE, gate / f"{GATE_MODULE}.py")
    (gate / f"{GATE_MODULE}.py").chmod(0o644)
    for folder in (gate, gate / "open"):
        folder.chmod(0o755)
    return gate


def open_gate(gate: Path, service: str) -> None:
    (gate / "open" / service).touch(mode=0o644)
