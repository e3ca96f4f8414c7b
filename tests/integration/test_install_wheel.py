"""Installed like a Python tool: a wheel of the repository works outside any clone.

`pipx install` and `uv tool install` build a wheel and install it into a venv of its own. This
builds the wheel from a copy of the working tree (`pip wheel . --no-deps`), installs it into a
fresh venv outside the repository (its dependencies from the configured index or pip's cache,
as a user's install gets them), and runs the installed `workbench` in a fresh HOME: every shipped
lab is listed, `lab init` copies the starter, and `check` of a files-only lab (a copy of the
fixture `design-mini`, outside the repository) runs its checks. Nothing may be written into the
installed package.

Cost: about 10 s to build and about a minute to install the dependencies into the venv; it needs
the package index (or a warm pip cache). Marked `slow`; `make test` runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import FIXTURE_LABS, REPO

pytestmark = pytest.mark.slow

NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", "snapshot_report.html",
)  # fmt: skip


def shipped_lab_ids() -> list[str]:
    return sorted(
        yaml.safe_load((lab / "lab.yaml").read_text(encoding="utf-8"))["id"]
        for lab in (REPO / "labs").iterdir()
        if (lab / "lab.yaml").is_file()
    )


def listed_ids(table: str) -> list[str]:
    """The lab ids of `workbench labs list` (the first column; a wrapped title adds rows with an
    empty first cell)."""
    cells = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    return sorted(cell for cell in cells if cell)


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv outside the repository with the wheel of the working tree installed: its bin/."""
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)  # the build must not write into the tree
    dist = root / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(dist)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    return venv / "bin"


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A fresh HOME with its own XDG folders, and none of the suite's WORKBENCH_* settings."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "XDG_"))}
    env.update(HOME=str(home), COLUMNS="200", NO_COLOR="1", PYTHONPATH="")
    return env


def workbench(bin_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "workbench"), *args], env=env, cwd=env["HOME"], capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip


def package_dir(bin_dir: Path) -> Path:
    where = "import sys, workbench; sys.stdout.write(workbench.__file__)"
    out = subprocess.run(
        [str(bin_dir / "python"), "-c", where],
        capture_output=True, text=True, check=True, cwd="/",
    )  # fmt: skip
    return Path(out.stdout).parent


def test_the_installed_workbench_runs_outside_the_repository(
    installed: Path, user_env: dict[str, str], tmp_path: Path
) -> None:
    package = package_dir(installed)
    assert REPO not in package.parents, f"the venv imports the repository's copy: {package}"
    shipped = package / "_shipped"
    before = files_under(shipped)
    assert "labs/saga/lab.yaml" in before
    assert "catalog/saga.md" in before

    listing = workbench(installed, user_env, "labs", "list")
    assert listing.returncode == 0, listing.stderr
    assert listed_ids(listing.stdout) == shipped_lab_ids(), listing.stdout

    target = tmp_path / "my-saga"
    init = workbench(installed, user_env, "lab", "init", "saga", str(target))
    assert init.returncode == 0, init.stderr
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in (REPO / "labs" / "saga" / "starter").iterdir()
    )
    not_running = workbench(installed, user_env, "check", "saga")
    assert not_running.returncode != 0
    assert "workbench lab start saga" in not_running.stdout + not_running.stderr

    # A files-only lab from a folder of the user's: WORKBENCH_LABS_PATH with an empty entry adds
    # it to the shipped labs.
    labs = tmp_path / "my-labs"
    shutil.copytree(FIXTURE_LABS / "design-mini", labs / "design-mini")
    env = {**user_env, "WORKBENCH_LABS_PATH": f"{labs}{os.pathsep}"}
    both = workbench(installed, env, "labs", "list")
    assert listed_ids(both.stdout) == sorted([*shipped_lab_ids(), "design-mini"]), both.stdout
    assert workbench(installed, env, "lab", "init", "design-mini").returncode == 0
    check = workbench(installed, env, "check", "design-mini", "--all", "--json")
    report = yaml.safe_load(check.stdout)
    assert check.returncode == 1, check.stdout + check.stderr  # the starter does not pass
    assert report["error"] is None, report["error"]
    assert any(c["outcome"] == "passed" for c in report["checks"])
    assert any(c["outcome"] == "failed" for c in report["checks"])
    workspace = Path(user_env["HOME"]) / "workbench-labs" / "design-mini"
    assert (workspace / "partition.yaml").is_file()

    # The doctor finds the shipped labs and nats-server in the tool's own venv.
    doctor = workbench(installed, user_env, "doctor", "--runtime", "local", "--json")
    findings = {f["id"]: f for f in yaml.safe_load(doctor.stdout)["findings"]}
    assert findings["labs"]["status"] == "ok", findings["labs"]
    assert findings["nats"]["status"] == "ok", findings["nats"]
    assert str(installed) in findings["nats"]["detail"]

    assert files_under(shipped) == before, "something was written into the installed package"
