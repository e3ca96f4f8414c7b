"""A service of the lab that is not running makes the checks that drive the lab errors, never
verdicts; what a check broke itself stays the check's (issue 19, item 4).

Without processes: a local run record whose services were never started reads as "not running"
to the local runtime's status, which is what the checks' process asks.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from support import FIXTURE_LABS

from workbench.checkrun.results import Outcome
from workbench.checkrun.runner import run_checks
from workbench.checks import faults as check_faults
from workbench.checks import health
from workbench.lab import load_lab
from workbench.runtime.base import Deployment, Endpoint, ServiceState, ServiceStatus

PAYMENT_DOWN = "payment is not running — `workbench lab restart shop payment`"
SHIPPING_DOWN = "shipping is not running — `workbench lab restart shop shipping`"
NO_VERDICT = "(this check could not run, so it says nothing about your code)"


def _deployment(run_dir: Path, lab_path: Path, workspace: Path | None = None) -> Deployment:
    deployment = Deployment(
        lab_id="shop", run_id="shop-0000dead", runtime="local", run_dir=run_dir,
        lab_path=lab_path, workspace=workspace,
        endpoints={
            name: Endpoint(name, "http", "http://127.0.0.1:9", "http://127.0.0.1:9")
            for name in ("payment", "shipping")
        },
    )  # fmt: skip
    deployment.save()
    return deployment


class _FakeRuntime:
    name = "fake"

    def __init__(self, states: dict[str, ServiceState]) -> None:
        self.states = states

    def status(self, deployment: Deployment) -> list[ServiceStatus]:
        return [ServiceStatus(n, s, None) for n, s in self.states.items()]


@pytest.fixture
def fake(tmp_path: Path) -> Any:
    deployment = _deployment(tmp_path / "run", tmp_path)
    runtime = _FakeRuntime({})
    health._runtimes[deployment.run_id] = runtime  # type: ignore[assignment]
    yield deployment, runtime
    health._runtimes.pop(deployment.run_id, None)
    check_faults._taken_down.clear()


def test_down_is_what_no_check_took_down_and_a_running_service_is_nobodys(fake: Any) -> None:
    deployment, runtime = fake
    runtime.states = {
        "payment": ServiceState.CRASHED,
        "shipping": ServiceState.PAUSED,
        "order": ServiceState.READY,
        "notification": ServiceState.STARTING,  # a reload: not down
    }
    assert [s.service for s in health.down(deployment)] == ["payment", "shipping"]
    assert health.problem(deployment) == (
        f"{PAYMENT_DOWN}; shipping is paused — `workbench lab restart shop shipping` "
        "(this check could not run, so it says nothing about your code)"
    )
    check_faults._taken_down.update({"payment", "order"})  # a check killed them
    assert [s.service for s in health.down(deployment)] == ["shipping"]
    assert check_faults.taken_down() == {"payment"}  # order runs again: nobody's any more
    runtime.states["payment"] = ServiceState.READY
    health.down(deployment)
    assert check_faults.taken_down() == set()


def test_a_stopped_lab_and_a_runtime_that_cannot_tell(fake: Any) -> None:
    deployment, runtime = fake
    runtime.status = None  # calling it raises: nothing is blamed on the lab
    assert health.down(deployment) == []
    (deployment.run_dir / Deployment.RECORD).unlink()
    assert health.problem(deployment) == (
        "the lab shop was stopped while the checks ran — `workbench lab start shop`; this check "
        "could not run, so it says nothing about your code"
    )


CHECKS = """
import pytest


@pytest.mark.exercise("pricing")
def test_a_check_the_lab_is_down_for(deployment):
    assert False, "order 1 is stuck in PENDING"


@pytest.mark.exercise("pricing")
def test_b_check_that_needs_no_lab(workspace):
    assert False, "pricing.py says 3, not 4"


@pytest.mark.exercise("pricing")
def test_c_check_that_would_pass(service_url):
    assert service_url("payment")


@pytest.mark.exercise("pricing")
def test_d_skipped(workspace):
    pytest.skip("not today")
"""


def _lab_with(tmp_path: Path, checks: str) -> Any:
    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    for old in (lab_dir / "checks").glob("test_*.py"):
        old.unlink()
    (lab_dir / "checks" / "test_lab_down.py").write_text(checks, encoding="utf-8")
    return load_lab(lab_dir)


def test_checks_of_a_lab_whose_services_are_down_are_errors_naming_them(tmp_path: Path) -> None:
    lab = _lab_with(tmp_path, CHECKS)
    workspace = tmp_path / "ws"
    shutil.copytree(lab.solution_dir, workspace)
    deployment = _deployment(tmp_path / "run", lab.path, workspace)
    run = run_checks(lab, workspace, deployment=deployment, exercises=["pricing"],
                     stop_at_failure=False, precheck=False)  # fmt: skip
    outcomes = {r.name: (r.outcome, r.message, r.hint) for r in run.results}
    down = f"{PAYMENT_DOWN}; {SHIPPING_DOWN} {NO_VERDICT}"
    assert outcomes == {
        "a check the lab is down for": (Outcome.ERROR, down, None),
        "b check that needs no lab": (Outcome.FAILED, "pricing.py says 3, not 4", None),
        "c check that would pass": (Outcome.ERROR, down, None),
        "d skipped": (Outcome.SKIPPED, "not today", None),
    }, run.results
    assert not run.passed
    assert run.to_dict()["checks"][0]["outcome"] == "error"
