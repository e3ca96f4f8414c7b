"""What an import really loads: the model, the runtime choice and the CLI's fast commands load no
textual, docker, diagrams or fastapi (the import contracts in pyproject.toml see only direct
imports; README's "Developing" has the rules)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("textual", "docker", "diagrams", "fastapi", "uvicorn")


def loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


@pytest.mark.parametrize(
    "module",
    [
        "workbench.lab",
        "workbench.topology",
        "workbench.runtime.base",
        "workbench.cli",
        # What `--runtime auto` loads on every start: the choice, both runtime faces, the engine.
        "workbench.runtime.select",
        "workbench.dockerengine",
        "workbench.service_env",
    ],
)
def test_domain_and_cli_import_no_heavy_library(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    assert not loaded & set(HEAVY), f"{module} imports {sorted(loaded & set(HEAVY))}"
