"""The workbench's pytest plugin, loaded by the runner with `-p workbench.checks.plugin`.

It runs inside the checks' pytest process: it registers the `exercise` and `hint` markers and the
fixtures of `workbench.checks.fixtures`, selects checks by exercise and runs them in the lab's
order, and writes every outcome as an event line (`workbench.checks.wire`) to `--workbench-results`
as it happens, so the host knows what finished even when a learner's code takes this process down.

A check of the running lab (one that asks for the `deployment` fixture, directly or through
another fixture) that finds a service of the lab not running, which no check took down, is an
*error* naming the service and how to bring it back, never a verdict (`workbench.checks.health`).
Here, in the checks' process, because only here is it known what the checks broke themselves;
the look costs one status of the runtime before the first such check and after one that does not
pass.

A check that does not pass names the service it could not reach, and when a service's kit saw
the learner's code hold its event loop while the check ran, the message says where
(`workbench.checks.stalls`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from workbench.checks import health, stalls, trace, wire
from workbench.checks.messages import check_name, learner_message, unreachable

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment

pytest_plugins = ["workbench.checks.fixtures"]
"""The fixtures lab checks ask for, registered with this plugin."""

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
        self.started: dict[str, float] = {}
        """When each check began (monotonic): the window its stalls are looked for in."""
        self.failed_exercises: set[str] = set()
        self.session: pytest.Session | None = None
        # Given by the runner, so this process need not load the lab (pydantic) unless a check
        # asks for the `lab` fixture.
        order = config.getoption("workbench_order") or ""
        self.lab_order: list[str] = [ex for ex in order.split(",") if ex]
        self.exitstatus = 0
        self.look_before_next = True
        """Ask the runtime before the next check of the lab: the first one, or one found down."""
        self._deployment: Deployment | None = None

    def lab_problem(self) -> str | None:
        """Why the lab cannot be checked now (a service not running), or None; remembers to
        look again before the next check while there is a problem."""
        deployment = self.deployment()
        found = health.problem(deployment) if deployment is not None else None
        self.look_before_next = found is not None
        return found

    def deployment(self) -> Deployment | None:
        if self._deployment is None:
            from workbench.runtime.base import Deployment

            run = self.config.getoption("workbench_run")
            if run and (Path(run) / Deployment.RECORD).is_file():
                try:
                    self._deployment = Deployment.load(Path(run))
                except (OSError, ValueError, TypeError, KeyError):
                    return None
        return self._deployment

    def emit(self, kind: str, **fields: Any) -> None:
        if self.out is not None:
            self.out.write(wire.encode(kind, **fields))
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
        wire.COLLECTED,
        checks=[
            wire.CollectedCheck(
                id=i.nodeid,
                name=check_name(i.name),
                exercise=_exercise_of(i),
                hint=_hint_of(i),
            )
            for i in items
        ],
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        # A check file that does not import: the lab's fault, or a learner module it imports.
        state = _current_state()
        if state is not None:
            state.emit(
                wire.COLLECT_ERROR,
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
        state.started[nodeid] = time.monotonic()
        trace.begin()  # the check's own request id: what it sets off is noted under it
        state.emit(wire.START, id=nodeid)


def _drives_the_lab(item: pytest.Item) -> bool:
    """Whether the check uses the running lab (its fixtures include `deployment`)."""
    return "deployment" in getattr(item, "fixturenames", ())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = _current_state()
    if state is not None and state.look_before_next and _drives_the_lab(item):
        problem = state.lab_problem()
        if problem is not None:
            raise health.LabNotRunningError(problem)  # before its fixtures: nothing waits in vain


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if call.excinfo is not None:
        exc = call.excinfo.value
        state = _current_state()
        deployment = state.deployment() if state and _drives_the_lab(item) else None
        service = stalls.service_of(exc, deployment) if unreachable(exc) else None
        kind, message = learner_message(exc, call.when, service)
        lab_down = isinstance(exc, health.LabNotRunningError)
        if not lab_down and report.failed and call.when in ("setup", "call"):
            problem = _lab_problem(item)
            if problem is not None:
                # A service it needs is down and no check took it down: no verdict.
                kind, message, lab_down = "error", problem, True
        if not lab_down and report.failed and deployment is not None and state is not None:
            began = state.started.get(item.nodeid, time.monotonic())
            message = stalls.explain(message, service, stalls.during(deployment, began))
        if lab_down:
            report.user_properties.append(("workbench_lab_down", True))
        elif report.failed and call.when == "call" and state is not None and trace.enabled():
            # What happened, while the check's faults still stand (they are undone at teardown).
            happened = trace.collect(deployment, trace.current_id())
            if happened["records"]:
                report.user_properties.append(("workbench_trace", happened))
        report.user_properties.append(("workbench_kind", kind))
        report.user_properties.append(("workbench_message", message))
    report.user_properties.append(("workbench_hint", _hint_of(item)))


def _lab_problem(item: pytest.Item) -> str | None:
    state = _current_state()
    if state is None or not _drives_the_lab(item):
        return None
    return state.lab_problem()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _current_state()
    if state is not None:
        state.reports.setdefault(report.nodeid, []).append(report)


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    state = _current_state()
    if state is None:
        return
    reports = state.reports.pop(nodeid, [])
    state.started.pop(nodeid, None)
    result = _result_of(nodeid, state.exercise_of.get(nodeid), reports)
    state.emit(wire.RESULT, **result)
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
) -> wire.ResultFields:
    outcome, message, details = "passed", "", ""
    happened: dict[str, Any] | None = None
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
            happened = props.get("workbench_trace")  # type: ignore[assignment]
            for section, text in report.sections:
                details += f"\n--- {section} ---\n{text}"
    if any(dict(r.user_properties).get("workbench_lab_down") for r in reports):
        hint = None  # a hint on the learner's code would point away from the broken lab
    name = nodeid.rsplit("::", 1)[-1]
    result: wire.ResultFields = {
        "id": nodeid,
        "name": check_name(name),
        "exercise": exercise,
        "outcome": outcome,
        "message": message,
        "hint": hint,
        "duration": duration,
        "details": details,
    }
    if happened:
        result["trace"] = list(happened["records"])
        result["trace_skipped"] = int(happened["skipped"])
    return result


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _current_state()
    if state is not None:
        state.exitstatus = int(exitstatus)
        state.emit(
            wire.FINISHED,
            exitstatus=int(exitstatus),
            stopped=str(session.shouldstop) if session.shouldstop else None,
        )
        state.close()
