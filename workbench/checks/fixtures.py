"""The fixtures lab checks ask for (runs inside the checks' pytest process).

`lab`, `workspace`, `deployment`, `service_url`, `nats_url`, `http`, `faults`, `stats`,
`observed_topology` and `events`, registered by the plugin (`workbench.checks.plugin`). They
read what the host's runner passed on the command line (`--workbench-lab`,
`--workbench-workspace`, `--workbench-run`) and load heavy things (pydantic, httpx, the runtime,
nats-py) only when a check asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import httpx

    from workbench.checks.events import Events
    from workbench.checks.faults import Faults
    from workbench.checks.stats import ServiceStats
    from workbench.checks.topology import ObservedTopology
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

    from workbench.checks import trace
    from workbench.checks.clients import client as new_client

    # The check's request id rides on every request (one of its own each, under the check's):
    # the services note what it sets off.
    hooks = {"request": [trace.stamp]}
    with new_client(timeout=httpx.Timeout(5.0, connect=2.0), event_hooks=hooks) as client:
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


STATS_TIMEOUT_S = 2.0


@pytest.fixture
def stats(
    deployment: Deployment, service_url: Callable[[str], str]
) -> Iterator[Callable[[str], ServiceStats]]:
    """`stats("order")`: what the service really did (its kit's `/_admin/stats`), with
    `snapshot()` and `delta()` since the check began (see `workbench.checks.stats`)."""
    import httpx

    from workbench.checks.clients import client as new_client
    from workbench.checks.stats import ServiceStats
    from workbench.runtime.observe import fetch_stats

    with new_client(timeout=STATS_TIMEOUT_S) as client:
        # Every service's counts now, when the check begins; a service that does not answer
        # has no baseline, and its delta() is all it counted.
        baseline = fetch_stats(deployment, client=client, timeout=STATS_TIMEOUT_S)

        def of(service: str) -> ServiceStats:
            url = service_url(service) + "/_admin/stats"

            def fetch() -> dict[str, object]:
                try:
                    response = client.get(url)
                    response.raise_for_status()
                    data = response.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise CheckSetupError(
                        f"{service} did not answer its stats ({type(exc).__name__}): is it a "
                        "service-kit service, and running?"
                    ) from None
                if not isinstance(data, dict):
                    raise CheckSetupError(f"{service} answered its stats with no JSON object")
                return data

            return ServiceStats(service, fetch, baseline.get(service))

        yield of


@pytest.fixture
def observed_topology(lab: Lab, deployment: Deployment) -> Iterator[Callable[[], ObservedTopology]]:
    """`observed_topology()`: the lab's graph with the live overlay, as `workbench graph --live`
    draws it, now; `.undeclared_edges()` lists the coupling lab.yaml does not declare."""
    from workbench.checks.clients import client as new_client
    from workbench.checks.health import runtime_of
    from workbench.checks.topology import ObservedTopology
    from workbench.runtime.observe import observe
    from workbench.topology import build_graph

    declared = build_graph(lab)
    with new_client(timeout=STATS_TIMEOUT_S) as client:

        def now() -> ObservedTopology:
            statuses, graph = observe(
                declared, deployment, runtime_of(deployment), client=client,
                timeout=STATS_TIMEOUT_S,
            )  # fmt: skip
            return ObservedTopology(graph, statuses)

        yield now


@pytest.fixture
def events(nats_url: str) -> Iterator[Events]:
    """Publish to and collect from the lab's NATS synchronously (`workbench.checks.events`);
    `collect` sees what was published since the check began."""
    from workbench.checks.events import Events

    helper = Events(nats_url)
    try:
        yield helper
    finally:
        helper.close()
