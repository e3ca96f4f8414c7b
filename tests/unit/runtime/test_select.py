"""Choosing a runtime by name; `auto` is Docker only when an engine answers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.errors import WorkbenchError
from workbench.runtime.local import LocalRuntime
from workbench.runtime.select import docker_available, get_runtime


def test_local_by_name() -> None:
    assert isinstance(get_runtime("local"), LocalRuntime)


def test_unknown_runtime_names_the_choices() -> None:
    with pytest.raises(WorkbenchError) as caught:
        get_runtime("kubernetes")
    assert caught.value.message == "unknown runtime 'kubernetes'"
    assert caught.value.hint == "choose one of: auto, local, docker"


def test_auto_follows_the_engine() -> None:
    runtime = get_runtime("auto")
    assert runtime.name == ("docker" if docker_available() else "local")


def test_engine_probe_does_not_import_the_docker_sdk() -> None:
    # What `lab start --runtime auto` does: ask whether Docker is there, without paying for it.
    code = (
        "import sys; from workbench.runtime.select import docker_available; "
        "docker_available(); print('docker' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
