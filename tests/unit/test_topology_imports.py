"""The topology is the model: importing it loads no drawing, network or front-end library, and
the drawing package loads its heavy libraries only when a drawing is actually made."""

from __future__ import annotations

import subprocess
import sys

NOT_IN_THE_MODEL = ("rich", "httpx", "textual", "docker", "diagrams")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_the_topology_model_loads_no_drawing_network_or_front_end_library() -> None:
    loaded = loaded_after("import workbench.topology")
    assert "networkx" in loaded, "the probe saw the import"
    assert not loaded & set(NOT_IN_THE_MODEL), (
        f"workbench.topology imports {sorted(loaded & set(NOT_IN_THE_MODEL))}"
    )


def test_drawing_loads_its_heavy_libraries_only_when_drawing() -> None:
    loaded = loaded_after("import workbench.drawing")
    assert not loaded & set(NOT_IN_THE_MODEL), (
        f"importing workbench.drawing loads {sorted(loaded & set(NOT_IN_THE_MODEL))}"
    )
