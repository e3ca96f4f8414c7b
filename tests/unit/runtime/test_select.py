"""Choosing a runtime by name; `auto` is Docker only when an engine answers."""

from __future__ import annotations

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
