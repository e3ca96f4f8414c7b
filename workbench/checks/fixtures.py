"""The fixtures lab checks ask for (runs inside the checks' pytest process).

`lab`, `workspace`, `deployment`, `service_url`, `nats_url`, `http` and `faults`, registered by the
plugin (`workbench.checks.plugin`). They read what the host's runner passed on the command line
(`--workbench-lab`, `--workbench-workspace`, `--workbench-run`) and load heavy things (pydantic,
httpx, the runtime) only when a check asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from workbench.checks.faults import Faults
    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment


class CheckSetupError(Exception):
    """A fixture could not give a check what it needs; the message is for the learner."""


@pytest.fixture(scope="session")
def lab(pytestconfig: pytest.Config) -> Lab:
    """The lab (from lab.yaml) whose checks are running."""
    from workbench.lab.loader import load_lab

    path = pytestconfig.getoption("workbench_lab")
    if not path:
        raise CheckSetupError("no lab given: run the checks with `workbench check LAB`")
    return load_lab(Path(path))


@pytest.fixture(scope="session")
def workspace(pytestconfig: pytest.Config) -> Path:
    """The learner's workspace folder."""
    path = pytestconfig.getoption("workbench_workspace")
    if not path:
        raise CheckSetupError("no workspace given: create one with `workbench lab init LAB`")
    return Path(path).resolve()


@pytest.fixture(scope="session")
def deployment(pytestconfig: pytest.Config) -> Deployment:
    """The running deployment of the lab (service URLs, NATS URL, run folder)."""
    from workbench.runtime.base import Deployment

    run = pytestconfig.getoption("workbench_run")
    if not run or not (Path(run) / Deployment.RECORD).is_file():
        raise CheckSetupError(
            "the lab is not running, so this check cannot talk to its services: "
            "start it with `workbench lab start LAB` (or `workbench check LAB --start`)"
        )
    return Deployment.load(Path(run))


@pytest.fixture(scope="session")
def service_url(deployment: Deployment) -> Callable[[str], str]:
    """`service_url("order")` -> the base URL of that service, reachable from the checks."""

    def url(name: str) -> str:
        try:
            return deployment.url(name).rstrip("/")
        except KeyError:
            known = ", ".join(sorted(deployment.endpoints)) or "none"
            raise CheckSetupError(f"the lab has no service {name!r} (services: {known})") from None

    return url


@pytest.fixture(scope="session")
def nats_url(deployment: Deployment) -> str:
    """The URL of the lab's NATS broker."""
    url = deployment.nats_url
    if url is None:
        raise CheckSetupError("this lab has no NATS broker")
    return url


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """An HTTP client with timeouts short enough that a stuck service fails the check quickly."""
    import httpx

    with httpx.Client(timeout=httpx.Timeout(5.0, connect=2.0)) as client:
        yield client


@pytest.fixture
def faults(deployment: Deployment) -> Iterator[Faults]:
    """Fault injection on the running lab, undone automatically after the check."""
    from workbench.checks.faults import Faults

    injector = Faults(deployment)
    try:
        yield injector
    finally:
        injector.undo()
