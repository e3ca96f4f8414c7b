"""The Docker start gate's folder: the service kit's gate module, readable by uid 10001."""

from __future__ import annotations

import stat
from pathlib import Path

from workbench import paths
from workbench.runtime.docker.gate import open_gate, prepare_gate


def test_gate_folder_holds_the_gate_module_and_opens_per_service(tmp_path: Path) -> None:
    gate = prepare_gate(tmp_path / "run")
    module = gate / "wbgate.py"
    # The very file the local runtime serves (`uvicorn workbench.servicekit.gate:app`).
    assert module.read_bytes() == (paths.PACKAGE_DIR / "servicekit" / "gate.py").read_bytes()
    for path in (gate, gate / "open"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert stat.S_IMODE(module.stat().st_mode) == 0o644
    assert not (gate / "open" / "orders").exists()
    open_gate(gate, "orders")
    assert (gate / "open" / "orders").is_file()
    open_gate(gate, "orders")  # opening twice is fine
