"""The warm checks process: a run forked from it behaves like `python -m pytest` started cold
(working folder, environment, output, exit code, its own process group), and the server ends
with the process that started it."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.checkrun import warm


@pytest.fixture
def server() -> Iterator[warm._Server]:
    started = warm._Server.start()
    yield started
    started.close()


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **extra}


def _tests(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_it.py").write_text(body, encoding="utf-8")
    return folder


def test_a_run_has_the_requests_folder_environment_output_and_exit_code(
    server: warm._Server, tmp_path: Path
) -> None:
    checks = _tests(tmp_path / "checks", (
        "import os\n"
        "def test_env():\n"
        "    assert os.environ['ONLY_HERE'] == 'yes'\n"
        "    assert os.getcwd() == os.environ['EXPECTED_CWD']\n"
        "    print('said by the check')\n"
        "def test_fails():\n"
        "    assert 1 + 1 == 3, 'arithmetic'\n"
    ))  # fmt: skip
    output = tmp_path / "out.txt"
    run = server.spawn(
        [str(checks), "-p", "no:cacheprovider", "-rA", "-q"],
        cwd=tmp_path,
        env=_env(ONLY_HERE="yes", EXPECTED_CWD=str(tmp_path)),
        output=output,
    )
    assert run is not None
    assert run.wait(60) == 1  # one check failed: pytest's own exit code
    text = output.read_text()
    assert "1 failed, 1 passed" in text
    assert "arithmetic" in text and "said by the check" in text
    assert "ONLY_HERE" not in os.environ  # the request's environment went to the run only


def test_a_run_is_a_process_group_the_runner_can_kill(server: warm._Server, tmp_path: Path) -> None:
    checks = _tests(tmp_path / "checks", "import time\ndef test_hangs():\n    time.sleep(60)\n")
    run = server.spawn([str(checks), "-p", "no:cacheprovider"], cwd=tmp_path, env=_env(),
                       output=tmp_path / "out.txt")  # fmt: skip
    assert run is not None
    assert os.getpgid(run.pid) == run.pid  # a session of its own, like start_new_session
    time.sleep(0.3)
    os.killpg(run.pid, signal.SIGKILL)
    assert run.wait(10) == -signal.SIGKILL


def test_runs_overlap(server: warm._Server, tmp_path: Path) -> None:
    checks = _tests(tmp_path / "checks", "import time\ndef test_slow():\n    time.sleep(1)\n")
    began = time.monotonic()
    runs = [
        server.spawn(
            [str(checks), "-p", "no:cacheprovider"],
            cwd=tmp_path,
            env=_env(),
            output=tmp_path / f"out{n}.txt",
        )
        for n in range(3)
    ]
    assert [r.wait(60) if r else None for r in runs] == [0, 0, 0]
    assert time.monotonic() - began < 2.9  # not one after the other


def test_the_server_ends_when_its_starter_closes_it(server: warm._Server) -> None:
    pid = server.proc.pid
    server.close()
    assert server.proc.returncode is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_runs_stay_cold_unless_enabled_and_when_turned_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(warm, "_state", warm._State())
    assert warm.spawn(["--version"], cwd=tmp_path, env=_env(), output=tmp_path / "o") is None
    monkeypatch.setenv("WORKBENCH_WARM_CHECKS", "0")
    warm.enable()
    assert warm.spawn(["--version"], cwd=tmp_path, env=_env(), output=tmp_path / "o") is None


def test_a_server_that_cannot_start_leaves_the_runs_cold(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(warm, "_state", warm._State())
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python-here"))
    warm.enable()
    assert warm.spawn(["--version"], cwd=tmp_path, env=_env(), output=tmp_path / "o") is None
    assert not warm._state.enabled
