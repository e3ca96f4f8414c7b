"""The Docker start gate's folder: the local runtime's gate module, readable by uid 10001."""

from __future__ import annotations

import stat
from pathlib import Path

from workbench.runtime.docker_gate import open_gate, prepare_gate


def test_gate_folder_holds_the_gate_module_and_opens_per_service(tmp_path: Path) -> None:
    gate = prepare_gate(tmp_path / "run")
    module = gate / "wbgate.py"
    assert "WORKBENCH_GATE" in module.read_text()  # the local runtime's localgate.py
    for path in (gate, gate / "open"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o755
    assert stat.S_IMODE(module.stat().st_mode) == 0o644
    assert not (gate / "open" / "orders").exists()
    open_gate(gate, "orders")
    assert (gate / "open" / "orders").is_file()
    open_gate(gate, "orders")  # opening twice is fine
