"""Running a lab's checks: pytest in a subprocess, turned into one `CheckRun` (runs on the host).

The subprocess isolates the workbench from a check that hangs, crashes or exits, a per-check timeout
(pytest-timeout) ends a hanging check, and an overall deadline kills the whole process group. The
checks run the lab author's code on the host, never the learner's: they talk to the services
(which load the learner's files) and read the workspace, and the process runs outside the
workspace with no current folder on sys.path, so a learner's `pytest.py` or `httpx.py` is not
what it imports. The import pre-check runs the learner's code where the run's runtime runs it
(`sandbox_for`: a container for a Docker run). The plugin (`workbench.checks.plugin`, inside
that process) writes one event line per event (format: `workbench.checks.wire`), read here as it
arrives, so the front ends can show checks as they finish and nothing is lost when the process
dies. In a process that checks often the subprocess is forked from a warm one that has imported
pytest and the plugin already (`warm`), otherwise it is a new `python -m pytest`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from workbench.checkrun import warm
from workbench.checkrun.imports import check_imports, service_paths
from workbench.checkrun.progress import hints_used
from workbench.checkrun.results import CheckEvent, CheckResult, CheckRun, EventCallback, Outcome
from workbench.checks import wire
from workbench.errors import WorkbenchError
from workbench.lab.model import Lab
from workbench.runtime.base import Deployment
from workbench.runtime.sandbox import HostPython, Sandbox

CHECK_TIMEOUT = 30.0
"""Seconds one check may take (a check can ask for more with @pytest.mark.timeout(N))."""
RUN_DEADLINE = 600.0
"""Seconds the whole run may take before its process group is killed."""


def select_exercises(lab: Lab, exercise: str | None) -> list[str]:
    """One exercise (checked it exists), or every exercise of the lab in order."""
    if exercise is None:
        return [e.id for e in lab.exercises]
    try:
        lab.exercise(exercise)
    except KeyError:
        known = ", ".join(e.id for e in lab.exercises) or "none"
        raise WorkbenchError(
            f"lab {lab.id!r} has no exercise {exercise!r}", f"its exercises: {known}"
        ) from None
    return [exercise]


def learner_files(lab: Lab, exercises: list[str]) -> list[str]:
    files: list[str] = []
    for ex in exercises:
        for rel in lab.exercise(ex).files:
            if rel not in files:
                files.append(rel)
    return files


def sandbox_for(lab: Lab, deployment: Deployment | None) -> Sandbox:
    """Where the pre-check imports the learner's files: in a container like the services' for
    a Docker run, else on the host (as the local runtime's services load them)."""
    if deployment is not None and deployment.runtime == "docker":
        from workbench.runtime.docker.sandbox import DockerPython

        return DockerPython.of_run(lab, deployment)
    return HostPython()


def run_checks(
    lab: Lab,
    workspace: Path,
    *,
    exercises: list[str] | None = None,
    deployment: Deployment | None = None,
    stop_at_failure: bool | None = None,
    check_timeout: float = CHECK_TIMEOUT,
    deadline: float = RUN_DEADLINE,
    on_event: EventCallback | None = None,
    precheck: bool = True,
    cancel: threading.Event | None = None,
    sandbox: Sandbox | None = None,
    env: Mapping[str, str] | None = None,
) -> CheckRun:
    """Run the checks of `exercises` (default: all, stopping after the first not passing).

    Learner files that do not load are reported first, and then no check runs (`precheck=False`
    when the caller has just done that with `files_that_do_not_load`). Setting `cancel` (or
    raising from `on_event`) kills the checks' process group; a cancelled run has `error` set.
    The pre-check runs in `sandbox` (default: `sandbox_for` the deployment). `env` adds to the
    checks process's environment (e.g. WORKBENCH_FAULT_COVERAGE).
    """
    workspace = workspace.resolve()
    run = _new_run(lab, workspace, exercises, deployment)
    stop = exercises is None if stop_at_failure is None else stop_at_failure
    began = time.monotonic()
    if precheck:
        run.import_problems = check_imports(
            workspace,
            learner_files(lab, run.selected),
            starter=lab.starter_dir,
            paths=service_paths(lab),
            sandbox=sandbox or sandbox_for(lab, deployment),
        )
    if not run.import_problems:
        if cancel is not None and cancel.is_set():  # cancelled during the pre-check
            run.error = "the checks were stopped: they were cancelled"
        elif not any(lab.checks_dir.glob("test_*.py")):
            run.error = f"lab {lab.id!r} has no checks (no checks/test_*.py)"
        else:
            # No exercise filter for "all": then untagged checks run too, and show up.
            only = list(run.selected) if exercises is not None else []
            limits = _Limits(stop, check_timeout, deadline, on_event, cancel, dict(env or {}))
            _run_pytest(run, lab, workspace, deployment, only=only, limits=limits)
    run.duration = time.monotonic() - began
    return run


def _new_run(
    lab: Lab, workspace: Path, exercises: list[str] | None, deployment: Deployment | None
) -> CheckRun:
    selected = exercises if exercises is not None else [e.id for e in lab.exercises]
    return CheckRun(
        lab_id=lab.id,
        workspace=str(workspace),
        selected=list(selected),
        exercise_titles={e.id: e.title for e in lab.exercises},
        exercise_hints={e.id: list(e.hints) for e in lab.exercises},
        hints_used=hints_used(lab.id),
        run_id=deployment.run_id if deployment else None,
        started_at=time.time(),
    )


def files_that_do_not_load(
    lab: Lab,
    workspace: Path,
    exercises: list[str] | None = None,
    *,
    sandbox: Sandbox | None = None,
) -> CheckRun | None:
    """The import pre-check alone: a run holding the problems, or None when every file loads.

    Front ends call it before starting a lab: a file that does not import would only make a
    service crash at start, far from the line that is wrong. `sandbox` is where the learner's
    code runs (default: the host; give the Docker runtime's for a Docker run or start).
    """
    began = time.monotonic()
    workspace = workspace.resolve()
    run = _new_run(lab, workspace, exercises, None)
    run.import_problems = check_imports(
        workspace,
        learner_files(lab, run.selected),
        starter=lab.starter_dir,
        paths=service_paths(lab),
        sandbox=sandbox,
    )
    run.duration = time.monotonic() - began
    return run if run.import_problems else None


def pytest_command(
    lab: Lab,
    workspace: Path,
    deployment: Deployment | None,
    exercises: list[str],
    *,
    stop: bool,
    check_timeout: float,
    results: Path,
    ini: Path,
) -> list[str]:
    """The pytest command line: isolated from the repository's own pytest set-up and plugins."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(lab.checks_dir),
        "-p",
        "workbench.checks.plugin",
        "-p",
        "pytest_timeout",
        "-p",
        "no:cacheprovider",
        "-c",
        str(ini),
        "--rootdir",
        str(lab.path),
        "--confcutdir",
        str(lab.path),
        "-q",
        "--no-header",
        "--tb=short",
        "-rN",
        "--timeout",
        f"{check_timeout:g}",
        "--timeout-method",
        "signal",
        "--workbench-lab",
        str(lab.path),
        "--workbench-workspace",
        str(workspace),
        "--workbench-results",
        str(results),
        "--workbench-fast-exit",
        "--workbench-order",
        ",".join(e.id for e in lab.exercises),
    ]
    if _has_async_checks(lab) and importlib.util.find_spec("pytest_asyncio") is not None:
        # Checks may be `async def` (e.g. subscribing to NATS); autoloading is off for speed.
        cmd += [
            "-p",
            "pytest_asyncio.plugin",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
        ]
    if deployment is not None:
        cmd += ["--workbench-run", str(deployment.run_dir)]
    for ex in exercises:
        cmd += ["--workbench-exercise", ex]
    if stop:
        cmd.append("--workbench-stop-at-failure")
    return cmd


def _has_async_checks(lab: Lab) -> bool:
    """Whether any check is a coroutine (the asyncio plugin costs start-up time otherwise)."""
    for path in lab.checks_dir.glob("*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "async def" in text or "pytest_asyncio" in text:
            return True
    return False


@dataclass(frozen=True)
class _Limits:
    stop: bool
    check_timeout: float
    deadline: float
    on_event: EventCallback | None
    cancel: threading.Event | None
    env: dict[str, str]


def _run_pytest(
    run: CheckRun,
    lab: Lab,
    workspace: Path,
    deployment: Deployment | None,
    *,
    only: list[str],
    limits: _Limits,
) -> None:
    with tempfile.TemporaryDirectory(prefix="workbench-check-") as tmp:
        results = Path(tmp) / "results.jsonl"
        ini = Path(tmp) / "pytest.ini"
        ini.write_text("[pytest]\n", encoding="utf-8")
        results.touch()
        cmd = pytest_command(
            lab,
            workspace,
            deployment,
            only,
            stop=limits.stop,
            check_timeout=limits.check_timeout,
            results=results,
            ini=ini,
        )
        env = {
            **os.environ,
            **limits.env,
            # Plugin autoloading costs about a second (textual's snapshot plugin and friends).
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in the learner's workspace
            # `python -m` puts the current folder first on sys.path: not the learner's files.
            "PYTHONSAFEPATH": "1",
        }
        output = Path(tmp) / "output.txt"
        with output.open("wb") as out:
            # cwd: never the workspace (a learner's `pytest.py` would run on the host).
            proc: _Process | None = warm.spawn(cmd[3:], cwd=Path(tmp), env=env, output=output)
            if proc is None:
                proc = subprocess.Popen(
                    cmd,
                    cwd=tmp,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            reader = _EventReader(results, limits.on_event)
            limit = time.monotonic() + limits.deadline
            stopped: str | None = None
            try:
                while proc.poll() is None:
                    reader.poll()
                    if time.monotonic() > limit:
                        stopped = f"they did not finish within {limits.deadline:g} s"
                    elif limits.cancel is not None and limits.cancel.is_set():
                        stopped = "they were cancelled"
                    if stopped:
                        _kill_group(proc)
                        break
                    time.sleep(0.02)
            finally:
                if proc.poll() is None:  # interrupted (Ctrl-C, on_event raised): leave nothing
                    _kill_group(proc)
            reader.poll()
        output_text = output.read_text(encoding="utf-8", errors="replace")
        _assemble(run, reader.events, proc.returncode, stopped, output_text)


class _Process(Protocol):
    """A checks process: started here (`subprocess.Popen`) or forked warm (`warm.WarmRun`)."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...


def _kill_group(proc: _Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class _EventReader:
    """Reads the plugin's event lines as they are appended, and forwards them to the callback."""

    def __init__(self, path: Path, on_event: EventCallback | None) -> None:
        self.path = path
        self.on_event = on_event
        self.offset = 0
        self.pending = b""
        self.events: list[wire.Event] = []

    def poll(self) -> None:
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        self.pending += data
        *lines, self.pending = self.pending.split(b"\n")
        for line in lines:
            event = wire.decode(line)
            if event is None:
                continue
            self.events.append(event)
            self._forward(event)

    def _forward(self, event: wire.Event) -> None:
        if self.on_event is None:
            return
        kind = event["event"]
        if kind == wire.COLLECTED:
            self.on_event(CheckEvent("collected", total=len(event["checks"])))
        elif kind == wire.START:
            self.on_event(CheckEvent("started", check_id=event["id"]))
        elif kind == wire.RESULT:
            result = CheckResult.from_dict(event)
            self.on_event(CheckEvent("finished", check_id=result.id, result=result))


def _assemble(
    run: CheckRun,
    events: list[wire.Event],
    returncode: int | None,
    stopped: str | None,
    output: str,
) -> None:
    """The run's results from the plugin's events; `stopped` says why the process was killed."""
    collected: list[wire.CollectedCheck] = []
    finished: dict[str, CheckResult] = {}
    started: list[str] = []
    collect_errors: list[wire.Event] = []
    ended_normally = False
    for event in events:
        kind = event["event"]
        if kind == wire.COLLECTED:
            collected = event["checks"]
        elif kind == wire.START:
            started.append(event["id"])
        elif kind == wire.RESULT:
            finished[event["id"]] = CheckResult.from_dict(event)
        elif kind == wire.COLLECT_ERROR:
            collect_errors.append(event)
        elif kind == wire.FINISHED:
            ended_normally = True
    for err in collect_errors:
        run.results.append(
            CheckResult(
                id=err["id"],
                name=err["id"],
                exercise=None,
                outcome=Outcome.ERROR,
                message=f"the checks in {err['id']} could not be loaded: {err['message']}",
                details=err.get("details", ""),
            )
        )
    if collect_errors:
        run.error = "some checks could not be loaded (a problem with the lab's checks)"
    for check in collected:
        result = finished.get(check["id"])
        if result is None and check["id"] in started:
            why = (
                f"the checks were stopped: {stopped}"
                if stopped
                else "the check ended the checks process (a crash or an exit)"
            )
            result = CheckResult(
                check["id"],
                check["name"],
                check["exercise"],
                Outcome.ERROR,
                why,
                check.get("hint"),
                details=_tail(output),
            )
        if result is not None:
            run.results.append(result)
    if stopped:
        run.error = f"the checks were stopped: {stopped}"
    elif not ended_normally:
        run.error = (
            f"the checks process ended unexpectedly (exit status {returncode}); "
            f"its last output:\n{_tail(output)}"
        )


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
