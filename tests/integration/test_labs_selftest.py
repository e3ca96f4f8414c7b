"""Every lab proves its own checks, on the local runtime and on Docker (`make test` runs this).

Parametrised over the folders, so a new lab is covered the moment it lands. Locally, besides the
hand-written mutants, a small fixed sample of generated ones (`--generated`, seeded) must be
rejected too: a survivor not recorded in the lab's mutants/EQUIVALENT.md fails the test.

A self-test mostly waits (services start, faults last, back-offs run out): one uses about 40 % of
a core. So the module starts every selected self-test at once, at most `WORKBENCH_SELFTEST_JOBS`
(default 2) at a time, each in its own process with its own deployments, and each test waits for
its own: five labs on two runtimes then take about half as long as one after the other. Nothing
else of the suite runs while they do (they are all in this module).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import FIXTURE_LABS, docker_required

from workbench.paths import REPO_DIR

GENERATED = 5
SEED = 1
JOBS = int(os.environ.get("WORKBENCH_SELFTEST_JOBS", "2"))
ONE_SELFTEST = 1200  # seconds: the slowest lab on a loaded 2-core machine, with margin

LABS = sorted(p.parent for p in (REPO_DIR / "labs").glob("*/lab.yaml"))
CASES = [pytest.param("local", lab, id=f"local-{lab.name}") for lab in LABS] + [
    pytest.param("docker", lab, id=f"docker-{lab.name}", marks=pytest.mark.docker)
    for lab in [FIXTURE_LABS / "shop", *LABS]
]


@dataclass
class Outcome:
    returncode: int
    output: str
    seconds: float


class SelftestPool:
    """The selected self-tests, running side by side in subprocesses, JOBS at a time."""

    def __init__(self, cases: list[tuple[str, Path]]) -> None:
        self._stopping = threading.Event()
        self._procs: set[subprocess.Popen[str]] = set()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max(1, JOBS))
        # Docker first: its self-tests are the longest, so they should not start last.
        ordered = sorted(cases, key=lambda c: c[0] != "docker")
        self._futures: dict[tuple[str, Path], Future[Outcome]] = {
            case: self._executor.submit(self._run, *case) for case in ordered
        }

    def result(self, runtime: str, lab_dir: Path) -> Outcome:
        return self._futures[(runtime, lab_dir)].result(timeout=len(self._futures) * ONE_SELFTEST)

    def _run(self, runtime: str, lab_dir: Path) -> Outcome:
        command = [sys.executable, "-m", "workbench", "labs", "selftest", str(lab_dir),
                   "--runtime", runtime]  # fmt: skip
        if runtime == "local":
            command += ["--generated", str(GENERATED), "--seed", str(SEED)]
        began = time.monotonic()
        if self._stopping.is_set():
            return Outcome(-1, "not run: the test session was interrupted", 0.0)
        with subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc:
            with self._lock:
                self._procs.add(proc)
            try:
                output, _ = proc.communicate(timeout=ONE_SELFTEST)
            except subprocess.TimeoutExpired:
                output = _interrupt(proc) + f"\n(stopped after {ONE_SELFTEST} s)"
            finally:
                with self._lock:
                    self._procs.discard(proc)
        return Outcome(proc.returncode, output, time.monotonic() - began)

    def close(self) -> None:
        """Stop what still runs as a user's Ctrl-C would, so no service outlives the session."""
        self._stopping.set()
        for future in self._futures.values():
            future.cancel()
        with self._lock:
            running = list(self._procs)
        for proc in running:
            proc.send_signal(signal.SIGINT)
        self._executor.shutdown(wait=True)


def _interrupt(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    return output or ""


@pytest.fixture(scope="module")
def pool(request: pytest.FixtureRequest) -> Iterator[SelftestPool]:
    selected = [
        (item.callspec.params["runtime"], item.callspec.params["lab_dir"])
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.originalname == "test_lab_selftest"
        and hasattr(item, "callspec")
    ]
    if not _docker_answers():
        selected = [case for case in selected if case[0] != "docker"]
    pool = SelftestPool(selected)
    try:
        yield pool
    finally:
        pool.close()


def _docker_answers() -> bool:
    from workbench.runtime.select import docker_available

    return docker_available()


@pytest.mark.slow
@pytest.mark.timeout(len(CASES) * ONE_SELFTEST)  # it may wait for the whole pool
@pytest.mark.parametrize(("runtime", "lab_dir"), CASES)
def test_lab_selftest(pool: SelftestPool, runtime: str, lab_dir: Path) -> None:
    if runtime == "docker" and not _docker_answers():
        if docker_required():
            pytest.fail("WORKBENCH_REQUIRE_DOCKER=1 but the Docker runtime has no engine")
        pytest.skip("no Docker engine answers (or the Docker runtime is not installed)")
    outcome = pool.result(runtime, lab_dir)
    assert outcome.returncode == 0, (
        f"self-test of {lab_dir.name} on the {runtime} runtime failed "
        f"({outcome.seconds:.0f} s):\n{outcome.output}"
    )
