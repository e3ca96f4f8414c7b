"""Shared test set-up: every test gets its own state, cache-free labs path and workspace home."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from support import FIXTURE_LABS, docker_required

# Lab checks under fixtures/ (and their starters, solutions, mutants) are not the suite's tests:
# they run only through the workbench's check runner, with its pytest plugin.
collect_ignore_glob = ["fixtures/*"]

# A suite started in the background by a non-interactive shell (`make test &`) inherits SIGINT
# ignored, and so would every workbench it starts: the tests that press Ctrl-C (SIGINT) on a
# workbench would then see it ignored. A learner's terminal never ignores it.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Runs, progress and workspaces of a test never touch the user's real state folders."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("WORKBENCH_STATE_DIR", str(state))
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path_factory.mktemp("home")))
    return state


@pytest.fixture
def fixture_labs(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the lab list at the fixture labs (the shop lab and friends)."""
    monkeypatch.setenv("WORKBENCH_LABS_PATH", str(FIXTURE_LABS))
    return FIXTURE_LABS


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI (WORKBENCH_REQUIRE_DOCKER=1) a `docker` test that would skip fails instead.

    Docker tests skip on a laptop without an engine; in CI that would hide a broken runtime or
    bakery behind a green run, so there the skip becomes a failure that says why.
    """
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and docker_required()
        and item.get_closest_marker("docker") is not None
        and not hasattr(report, "wasxfail")
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = (
            f"WORKBENCH_REQUIRE_DOCKER=1 but this Docker test skipped ({reason}); "
            "start an engine (`sudo scripts/ensure-docker.sh`) and run it again"
        )
