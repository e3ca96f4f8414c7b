"""`workbench bake` / `workbench images` without an engine, and the CI rule for docker tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
WORKBENCH = [sys.executable, "-m", "workbench"]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WORKBENCH, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=REPO,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", [("images",), ("bake", "shop")])
def test_no_engine_says_how_to_start_one_and_that_local_works(args: tuple[str, ...]) -> None:
    result = run(
        *args,
        DOCKER_HOST="unix:///nonexistent/docker.sock",
        WORKBENCH_LABS_PATH=str(REPO / "tests" / "fixtures" / "labs"),
    )
    assert result.returncode == 1
    assert "no Docker engine answers" in result.stderr
    assert "dockerd" in result.stderr
    assert "--runtime local" in result.stderr
    assert "Traceback" not in result.stderr


def test_bake_wants_a_lab_or_all() -> None:
    result = run("bake")
    assert result.returncode == 1
    assert "name one lab, or give --all" in result.stderr


CI_TEST = """
import pytest

@pytest.mark.docker
def test_needs_engine():
    pytest.skip("no Docker engine answers")

def test_plain_skip():
    pytest.skip("not about docker")
"""


@pytest.mark.parametrize(
    ("required", "expected"), [("1", "1 failed, 1 skipped"), ("", "2 skipped")]
)
def test_a_skipped_docker_test_fails_when_docker_is_required(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, required: str, expected: str
) -> None:
    monkeypatch.setenv("WORKBENCH_REQUIRE_DOCKER", required)
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text())
    pytester.makepyfile(support=(REPO / "tests" / "support.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    docker: needs docker\n")
    pytester.makepyfile(test_ci=CI_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([f"*{expected}*"])
    if required:
        result.stdout.fnmatch_lines(["*WORKBENCH_REQUIRE_DOCKER=1 but this Docker test skipped*"])
