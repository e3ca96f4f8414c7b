"""How the Docker waits read the engine's answers: start times and a worker that died."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from workbench.runtime.docker.waits import HttpWait, started_at, worker_died


def container(started: str) -> Any:
    return SimpleNamespace(attrs={"State": {"StartedAt": started}})


def test_start_time_keeps_sub_second_precision() -> None:
    stamp = started_at(container("2026-11-22T02:37:40.375327030Z"))
    assert stamp is not None
    assert abs(stamp - 1795315060.375327) < 1e-3


def test_a_container_never_started_has_no_start_time() -> None:
    assert started_at(container("0001-01-01T00:00:00Z")) is None
    assert started_at(container("")) is None


def test_worker_death_is_read_from_uvicorn_and_from_the_gate() -> None:
    assert worker_died(["INFO: Started reloader process [6]", "Process SpawnProcess-1:"])
    assert worker_died(["error: cannot load the service's app 'app:app'", "ImportError: x"])
    assert not worker_died(['{"msg": "Application startup complete."}'])


def test_a_service_whose_dependency_failed_is_not_waited_for() -> None:
    failed: set[str] = {"audit"}  # shared by every wait of one start, filled as services fail
    wait = HttpWait("gateway", container(""), 1, after=frozenset({"orders"}), failed=failed)
    failed.add("orders")
    assert wait.failure() == "was not waited for: it needs orders, which failed"


def test_a_background_start_that_failed_is_reported() -> None:
    errors = {"logship": "cannot join network of a non running container"}
    wait = HttpWait("logship", container(""), 1, start_errors=errors)
    assert wait.failure() == "could not start: cannot join network of a non running container"
