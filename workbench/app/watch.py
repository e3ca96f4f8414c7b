"""Watch mode: check the exercise again every time the learner saves one of its files.

One loop serves both front ends (`workbench watch` and the TUI's `w`): it polls the exercise's
learner files (cheap, and the same on every runtime and file system), waits until the saves stop
for a moment (an editor writes a file in several steps), waits until the services that load the
workspace have reloaded on the new code, and runs the exercise's checks. A save while the checks
run cancels them and starts over: a verdict on code that is no longer there helps nobody. The
loop never starts, stops or restarts anything: quitting leaves the lab as it was.

Whether a service has reloaded is told by its kit's `/health`, whose `boot` names the process:
the loop remembers each one's boot before a save and waits for a new one, then for `/ready`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from workbench.checkrun.results import CheckEvent, CheckRun
    from workbench.lab.model import Lab
    from workbench.runtime.base import Deployment

POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.4
"""A save counts once the files have not changed for this long (editors write in steps)."""
RELOAD_TIMEOUT = 20.0
"""Seconds the services get to reload on a save before the checks run anyway."""

Stamp = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class WatchEvent:
    """What the loop is doing, for a front end to show.

    kinds: `waiting` (nothing to check yet: `text` says why), `idle` (waiting for the next save),
    `saved` (`files` changed), `reloading` (`services` are reloading), `checking`, `check` (one
    check's progress, in `check`), `restarted` (a save cancelled the run), `result` (`run`, and
    `next_exercise` when it passed), `note` (`text`: something worth knowing, not an error).
    """

    kind: str
    text: str = ""
    files: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    check: CheckEvent | None = None
    run: CheckRun | None = None
    newly_passed: tuple[str, ...] = ()
    next_exercise: str | None = None


WatchCallback = Callable[[WatchEvent], None]


@dataclass
class Watch:
    """Watching one exercise of a lab, on a workspace (and the deployment, when it needs one)."""

    lab: Lab
    exercise: str
    workspace: Path
    deployment: Deployment | None
    poll: float = POLL_SECONDS
    settle: float = SETTLE_SECONDS
    reload_timeout: float = RELOAD_TIMEOUT
    check_timeout: float = 30.0
    _boots: dict[str, str | None] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return list(self.lab.exercise(self.exercise).files)

    @property
    def reloading_services(self) -> list[str]:
        """The services that load the learner's files, and so reload on a save."""
        if self.deployment is None:
            return []
        return [
            s.name
            for s in self.lab.services
            if s.kind == "python" and s.workspace and s.name in self.deployment.endpoints
        ]

    def run(self, on_event: WatchCallback, stop: threading.Event) -> None:
        """Watch until `stop` is set: check on every save, report through `on_event`."""
        from workbench.checkrun import warm

        warm.enable()  # a check on every save: each one forked warm, not started cold
        self._boots = self._read_boots()
        stamp = self.stamp()
        waiting = self.not_saved_yet()
        if waiting:
            on_event(WatchEvent("waiting", text=waiting, files=tuple(self.files)))
            pending: tuple[str, ...] = ()
        else:  # the learner has already changed something: check it now
            pending = tuple(self.files)
        saved = False  # the first check, of files saved before the watch began, waits for nothing
        while not stop.is_set():
            if pending:
                stamp = self._cycle(pending, stamp, on_event, stop, saved=saved)
                pending, saved = (), True
                if not stop.is_set():
                    on_event(WatchEvent("idle", files=tuple(self.files)))
                continue
            if stop.wait(self.poll):
                break
            new = self.stamp()
            if new != stamp:
                pending, saved = _changed(stamp, new), True
                stamp = new

    def stamp(self) -> Stamp:
        """Size and modification time of each learner file (0, 0 when it is missing)."""
        out = []
        for rel in self.files:
            try:
                st = (self.workspace / rel).stat()
                out.append((rel, st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((rel, 0, 0))
        return tuple(out)

    def not_saved_yet(self) -> str | None:
        """Why there is nothing to check yet (a file missing, or every file still the starter)."""
        files = self.files
        if not files:
            return None
        missing = [rel for rel in files if not (self.workspace / rel).is_file()]
        if missing:
            return (
                f"{', '.join(missing)} is not in {self.workspace} yet: save it there and it is "
                "checked"
            )
        if all(_same_as_starter(self.lab, self.workspace, rel) for rel in files):
            names = ", ".join(files)
            return f"{names} is still as handed out: save your changes and they are checked"
        return None

    # -- one cycle: settle, reload, check (again when a save interrupts) ------------------------

    def _cycle(
        self,
        files: tuple[str, ...],
        stamp: Stamp,
        on_event: WatchCallback,
        stop: threading.Event,
        *,
        saved: bool = True,
    ) -> Stamp:
        while not stop.is_set():
            if saved:
                on_event(WatchEvent("saved", files=files))
                stamp = self._settle(stamp, stop)
            if stop.is_set():
                return stamp
            # A file that does not load is said at once: no service would reload on it.
            problems = self._load_problems()
            if problems is not None:
                self._report(problems, on_event)
                return stamp
            if saved and any(rel.endswith(".py") for rel in files):
                stamp = self._wait_reloaded(stamp, on_event, stop)
            if stop.is_set():
                return stamp
            outcome = self._check(stamp, on_event, stop)
            if outcome is None:
                return stamp  # stopped
            run, new = outcome
            if run is not None:
                self._report(run, on_event)
                return new
            on_event(WatchEvent("restarted", files=_changed(stamp, new)))
            files, stamp, saved = _changed(stamp, new), new, True
        return stamp

    def _load_problems(self) -> CheckRun | None:
        from workbench.checkrun.runner import files_that_do_not_load, sandbox_for

        needs = self.lab.needs_services([self.exercise])
        sandbox = sandbox_for(self.lab, self.deployment if needs else None)
        return files_that_do_not_load(self.lab, self.workspace, [self.exercise], sandbox=sandbox)

    def _settle(self, stamp: Stamp, stop: threading.Event) -> Stamp:
        quiet_since = time.monotonic()
        while not stop.is_set() and time.monotonic() - quiet_since < self.settle:
            stop.wait(min(self.poll, self.settle))
            new = self.stamp()
            if new != stamp:
                stamp, quiet_since = new, time.monotonic()
        return stamp

    def _wait_reloaded(self, stamp: Stamp, on_event: WatchCallback, stop: threading.Event) -> Stamp:
        """Wait until every service that loads the workspace runs the saved code and is ready."""
        services = self.reloading_services
        if not services or not self.lab.needs_services([self.exercise]):
            return stamp
        on_event(WatchEvent("reloading", services=tuple(services)))
        deadline = time.monotonic() + self.reload_timeout
        left = set(services)
        while left and not stop.is_set():
            for name in sorted(left):
                boot = self._boot(name)
                if boot is None and self._boots.get(name) is None:
                    # A kit without boot ids (or a service that was down): ready is all we know.
                    if self._ready(name):
                        left.discard(name)
                elif boot is not None and boot != self._boots.get(name) and self._ready(name):
                    self._boots[name] = boot
                    left.discard(name)
            if not left:
                break
            if time.monotonic() > deadline:
                on_event(
                    WatchEvent(
                        "note",
                        text=f"{', '.join(sorted(left))} did not reload within "
                        f"{self.reload_timeout:g} s: checking anyway",
                    )
                )
                break
            stop.wait(self.poll)
            new = self.stamp()
            if new != stamp:  # saved again meanwhile: that save's reload is the one to wait for
                stamp, deadline = new, time.monotonic() + self.reload_timeout
        return stamp

    def _check(
        self, stamp: Stamp, on_event: WatchCallback, stop: threading.Event
    ) -> tuple[CheckRun | None, Stamp] | None:
        """Run the checks in a thread; (run, stamp) when they ended, (None, new stamp) when a
        save cancelled them, None when the watch was stopped."""
        from workbench.checkrun.runner import run_checks

        cancel = threading.Event()
        runs: list[CheckRun] = []
        errors: list[Exception] = []
        needs = self.lab.needs_services([self.exercise])

        def work() -> None:
            try:
                run = run_checks(
                    self.lab,
                    self.workspace,
                    exercises=[self.exercise],
                    deployment=self.deployment if needs else None,
                    on_event=lambda event: on_event(WatchEvent("check", check=event)),
                    cancel=cancel,
                    check_timeout=self.check_timeout,
                    precheck=False,  # done just before, by the cycle
                )
            except Exception as exc:  # reported by the loop, which goes on watching
                errors.append(exc)
            else:
                runs.append(run)

        on_event(WatchEvent("checking", files=tuple(self.files)))
        worker = threading.Thread(target=work, name="wb-watch-check", daemon=True)
        worker.start()
        new = stamp
        while worker.is_alive():
            worker.join(self.poll)
            if stop.is_set():
                cancel.set()
                worker.join()
                return None
            new = self.stamp()
            if new != stamp and worker.is_alive():
                cancel.set()
                worker.join()
                return None, new
        if errors:
            text = str(getattr(errors[0], "message", None) or errors[0])
            return _failed_run(self.lab.id, f"the checks could not run: {text}"), new
        return runs[0], new

    def _report(self, run: CheckRun, on_event: WatchCallback) -> None:
        from workbench.checkrun import progress

        newly = tuple(progress.record(run)) if not run.error else ()
        passed = self.exercise in run.passed_exercises()
        on_event(
            WatchEvent(
                "result",
                run=run,
                newly_passed=newly,
                next_exercise=self.next_exercise() if passed else None,
            )
        )

    def next_exercise(self) -> str | None:
        ids = [e.id for e in self.lab.exercises]
        at = ids.index(self.exercise)
        return ids[at + 1] if at + 1 < len(ids) else None

    # -- the services' boot ids -----------------------------------------------------------------

    def _read_boots(self) -> dict[str, str | None]:
        return {name: self._boot(name) for name in self.reloading_services}

    def _boot(self, service: str) -> str | None:
        data = _get_json(self._url(service) + "/health")
        boot = data.get("boot") if isinstance(data, dict) else None
        return boot if isinstance(boot, str) else None

    def _ready(self, service: str) -> bool:
        path = self.lab.service(service).readiness
        return _status(self._url(service) + path) == 200

    def _url(self, service: str) -> str:
        assert self.deployment is not None
        return self.deployment.url(service)


def _changed(old: Stamp, new: Stamp) -> tuple[str, ...]:
    before = {rel: (m, s) for rel, m, s in old}
    return tuple(rel for rel, m, s in new if before.get(rel) != (m, s))


def _same_as_starter(lab: Lab, workspace: Path, rel: str) -> bool:
    starter = lab.starter_dir / rel
    try:
        return starter.read_bytes() == (workspace / rel).read_bytes()
    except OSError:
        return False


def _failed_run(lab_id: str, text: str) -> CheckRun:
    from workbench.checkrun.results import CheckRun

    return CheckRun(lab_id=lab_id, workspace=None, selected=[], error=text)


def _request(url: str) -> tuple[int, bytes] | None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=1.0)
    try:
        conn.request("GET", parts.path or "/")
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _status(url: str) -> int | None:
    answer = _request(url)
    return answer[0] if answer else None


def _get_json(url: str) -> object:
    answer = _request(url)
    if answer is None or answer[0] != 200:
        return None
    try:
        return json.loads(answer[1])
    except ValueError:
        return None
