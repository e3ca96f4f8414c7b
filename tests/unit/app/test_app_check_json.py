"""`workbench check --json` prints one JSON object on stdout whatever happens, so a grader always
has something to parse: the results, or `passed: false` with an `error` saying what went wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import StartFailedError


def _json_check(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["check", *args, "--json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def test_missing_workspace_is_a_json_error(fixture_labs: Path) -> None:
    code, report = _json_check("design-mini")
    assert code == 1
    assert report["passed"] is False
    assert report["lab"] == "design-mini"
    assert "has no workspace yet" in str(report["error"])
    assert "workbench lab init design-mini" in str(report["error"])


def test_lab_not_running_is_a_json_error(fixture_labs: Path) -> None:
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    init_workspace(find_lab("shop"))
    code, report = _json_check("shop")
    assert code == 1
    assert report["passed"] is False
    assert "is not running" in str(report["error"])
    assert "workbench check shop --start" in str(report["error"])


def test_failed_start_is_a_json_error(
    fixture_labs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from workbench.app.session import LabSession
    from workbench.lab import find_lab
    from workbench.lab.workspace import init_workspace

    init_workspace(find_lab("shop"))

    def fail(self: LabSession, *_args: object, **_kwargs: object) -> None:
        raise StartFailedError("shop", "shop-1-x", {"orders": "exited with status 1"}, {})

    monkeypatch.setattr(LabSession, "start", fail)
    junit = tmp_path / "report.xml"
    result = CliRunner().invoke(cli, ["check", "shop", "--start", "--runtime", "local",
                                      "--json", "--junit-xml", str(junit)])  # fmt: skip
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert "service 'orders' exited with status 1" in str(report["error"])
    assert 'failures="1"' in junit.read_text() or "error" in junit.read_text()


def test_unknown_lab_is_a_json_error(fixture_labs: Path) -> None:
    code, report = _json_check("no-such-lab")
    assert code == 1
    assert report["passed"] is False
    assert report["lab"] == "no-such-lab"
    assert report["error"]
