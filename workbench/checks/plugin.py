"""The workbench's pytest plugin, loaded by the runner with `-p workbench.checks.plugin`.

It gives lab checks their fixtures (`lab`, `workspace`, `deployment`, `service_url`, `nats_url`,
`http`, `faults`), registers the `exercise` and `hint` markers, selects checks by exercise, and
writes every outcome as a JSON line to `--workbench-results` as it happens, so the parent process
knows what finished even when a learner's code takes this process down.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from workbench.checks.events import check_name, learner_message

if TYPE_CHECKING:
    import httpx

    from workbench.checks.faults import Faults
    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment

_state: _PluginState | None = None
"""One session per checks process; hooks without a config argument reach it here."""


class _PluginState:
    """What the plugin tracks for one session: the results file and per-check outcomes."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        path = config.getoption("workbench_results")
        self.out = Path(path).open("a", encoding="utf-8") if path else None  # noqa: SIM115
        self.exercise_of: dict[str, str | None] = {}
        self.order: list[str] = []
        self.reports: dict[str, list[pytest.TestReport]] = {}
        self.failed_exercises: set[str] = set()
        self.session: pytest.Session | None = None
        # Given by the runner, so this process need not load the lab (pydantic) unless a check
        # asks for the `lab` fixture.
        order = config.getoption("workbench_order") or ""
        self.lab_order: list[str] = [ex for ex in order.split(",") if ex]
        self.exitstatus = 0

    def emit(self, **event: Any) -> None:
        if self.out is not None:
            self.out.write(json.dumps(event) + "\n")
            self.out.flush()  # the parent reads as we go; a crash loses nothing already written

    def close(self) -> None:
        if self.out is not None:
            self.out.close()
            self.out = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("workbench", "Architecture Workbench checks")
    group.addoption(
        "--workbench-run",
        dest="workbench_run",
        default=None,
        help="run folder of the deployment the checks drive (holds run.json)",
    )
    group.addoption(
        "--workbench-workspace",
        dest="workbench_workspace",
        default=None,
        help="the learner's workspace folder",
    )
    group.addoption(
        "--workbench-lab",
        dest="workbench_lab",
        default=None,
        help="the lab folder (holds lab.yaml)",
    )
    group.addoption(
        "--workbench-exercise",
        dest="workbench_exercise",
        action="append",
        default=[],
        help="run only the checks of this exercise (repeatable)",
    )
    group.addoption(
        "--workbench-results",
        dest="workbench_results",
        default=None,
        help="append one JSON line per event (collected, start, result) to this file",
    )
    group.addoption(
        "--workbench-order",
        dest="workbench_order",
        default=None,
        help="the lab's exercise ids in order, comma-separated (checks run in it)",
    )
    group.addoption(
        "--workbench-fast-exit",
        dest="workbench_fast_exit",
        action="store_true",
        help="end the process right after the session (skips interpreter teardown)",
    )
    group.addoption(
        "--workbench-stop-at-failure",
        dest="workbench_stop",
        action="store_true",
        help="stop after the first exercise with a check that did not pass",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "exercise(id): the lab exercise this check belongs to")
    config.addinivalue_line("markers", "hint(text): a hint shown when this check fails")
    workspace = config.getoption("workbench_workspace")
    if workspace:
        # Checks may import the learner's modules, as the services do (WORKSPACE on PYTHONPATH).
        sys.path.insert(0, str(Path(workspace).resolve()))
    global _state  # noqa: PLW0603 - the plugin's per-process session state
    _state = _PluginState(config)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    global _state
    if _state is None:
        return
    _state.close()
    status, _state = _state.exitstatus, None
    if config.getoption("workbench_fast_exit"):
        # Everything the parent needs is written; tearing down the interpreter (module cleanup,
        # garbage collection) costs a few hundred milliseconds of a check the learner waits for.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def pytest_sessionstart(session: pytest.Session) -> None:
    if _state is not None:
        _state.session = session


def _exercise_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("exercise")
    if marker is None:
        return None
    value = marker.args[0] if marker.args else marker.kwargs.get("id")
    return str(value) if value is not None else None


def _hint_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("hint")
    if marker is None:
        return None
    value = marker.args[0] if marker.args else marker.kwargs.get("text")
    return str(value) if value is not None else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = _current_state()
    assert state is not None
    wanted = set(config.getoption("workbench_exercise"))
    if wanted:
        keep = [i for i in items if _exercise_of(i) in wanted]
        dropped = [i for i in items if _exercise_of(i) not in wanted]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    # Checks run in the lab's exercise order, so "stop at the first exercise not passed" works.
    rank = {ex: n for n, ex in enumerate(state.lab_order)}
    items.sort(key=lambda i: rank.get(_exercise_of(i) or "", len(rank)))
    for item in items:
        state.exercise_of[item.nodeid] = _exercise_of(item)
    state.order = [i.nodeid for i in items]
    state.emit(
        event="collected",
        checks=[
            {
                "id": i.nodeid,
                "name": check_name(i.name),
                "exercise": _exercise_of(i),
                "hint": _hint_of(i),
            }
            for i in items
        ],
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        # A check file that does not import: the lab's fault, or a learner module it imports.
        state = _current_state()
        if state is not None:
            state.emit(
                event="collect_error",
                id=report.nodeid or "checks",
                message=_collect_message(report),
                details=report.longreprtext,
            )


def _collect_message(report: pytest.CollectReport) -> str:
    text = report.longreprtext.strip().splitlines()
    errors = [line[2:].strip() for line in text if line.startswith("E ")]
    return errors[-1] if errors else (text[-1] if text else "the checks could not be loaded")


def _current_state() -> _PluginState | None:
    return _state


def pytest_runtest_logstart(nodeid: str, location: object) -> None:
    state = _current_state()
    if state is not None:
        state.emit(event="start", id=nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.excinfo is not None:
        kind, message = learner_message(call.excinfo.value, call.when)
        report.user_properties.append(("workbench_kind", kind))
        report.user_properties.append(("workbench_message", message))
    report.user_properties.append(("workbench_hint", _hint_of(item)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _current_state()
    if state is not None:
        state.reports.setdefault(report.nodeid, []).append(report)


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    state = _current_state()
    if state is None:
        return
    reports = state.reports.pop(nodeid, [])
    result = _result_of(nodeid, state.exercise_of.get(nodeid), reports)
    state.emit(event="result", **result)
    exercise = state.exercise_of.get(nodeid)
    if result["outcome"] in ("failed", "error") and exercise is not None:
        state.failed_exercises.add(exercise)
    if state.config.getoption("workbench_stop") and state.session is not None:
        index = state.order.index(nodeid) if nodeid in state.order else -1
        following = state.order[index + 1] if 0 <= index < len(state.order) - 1 else None
        next_exercise = state.exercise_of.get(following) if following else None
        if exercise in state.failed_exercises and next_exercise != exercise:
            state.session.shouldstop = f"exercise {exercise!r} is not passing yet"


def _result_of(
    nodeid: str, exercise: str | None, reports: list[pytest.TestReport]
) -> dict[str, Any]:
    outcome, message, details = "passed", "", ""
    hint: str | None = None
    duration = 0.0
    for report in reports:
        duration += report.duration
        props = dict(report.user_properties)
        hint = str(props["workbench_hint"]) if props.get("workbench_hint") else hint
        if report.skipped and outcome == "passed":
            outcome = "skipped"
            longrepr = report.longrepr
            message = str(longrepr[2]) if isinstance(longrepr, tuple) else "skipped"
            message = message.removeprefix("Skipped: ")
        elif report.failed and outcome in ("passed", "skipped"):
            kind = props.get("workbench_kind", "error")
            outcome = "failed" if kind == "failed" and report.when == "call" else "error"
            message = str(props.get("workbench_message") or "the check failed")
            details = report.longreprtext
            for section, text in report.sections:
                details += f"\n--- {section} ---\n{text}"
    name = nodeid.rsplit("::", 1)[-1]
    return {
        "id": nodeid,
        "name": check_name(name),
        "exercise": exercise,
        "outcome": outcome,
        "message": message,
        "hint": hint,
        "duration": duration,
        "details": details,
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _current_state()
    if state is not None:
        state.exitstatus = int(exitstatus)
        state.emit(
            event="finished",
            exitstatus=int(exitstatus),
            stopped=str(session.shouldstop) if session.shouldstop else None,
        )
        state.close()


# ---- fixtures -------------------------------------------------------------------------------


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
