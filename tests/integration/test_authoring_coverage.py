"""`workbench labs coverage` on a copy of the shop fixture lab, started on the local runtime,
with one check added that injects two faults."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from support import FIXTURE_LABS

from workbench.authoring.coverage import fault_coverage
from workbench.cli import cli
from workbench.lab import load_lab

FAULTY_CHECK = """
import pytest


@pytest.mark.exercise("pricing")
def test_orders_under_faults(faults) -> None:
    faults.latency("orders", 5, route="/orders")
    faults.crash_at("orders", "published", hold=True)
    faults.reset("gateway", rate=0.0)
"""


def shop_with_a_faulty_check(tmp_path: Path) -> Path:
    lab_dir = tmp_path / "shop"
    shutil.copytree(FIXTURE_LABS / "shop", lab_dir, ignore=shutil.ignore_patterns("__pycache__"))
    (lab_dir / "checks" / "test_faulty.py").write_text(FAULTY_CHECK)
    return lab_dir


def test_the_table_shows_what_the_checks_inject_and_what_they_never_touch(
    tmp_path: Path,
) -> None:
    lab_dir = shop_with_a_faulty_check(tmp_path)
    report = fault_coverage(load_lab(lab_dir))
    assert report.run is not None and report.run.passed, report.problems
    cells = {(c.service, c.fault): c for c in report.cells}
    latency = cells["orders", "latency"]
    assert latency.checks == ("checks/test_faulty.py::test_orders_under_faults",)
    assert latency.routes == ("/orders",)
    assert cells["orders", "crash:published"].touched  # the crash point the service declares
    assert not cells["gateway", "reset"].declared and cells["gateway", "reset"].touched
    assert not cells["audit", "latency"].touched and cells["audit", "latency"].declared
    assert ("audit", "partition") in {(c.service, c.fault) for c in report.unexplained}
    assert not report.ok


def test_the_command_prints_the_table_and_accepts_explanations(tmp_path: Path) -> None:
    lab_dir = shop_with_a_faulty_check(tmp_path)
    first = CliRunner().invoke(cli, ["labs", "coverage", str(lab_dir), "--json"])
    assert first.exit_code == 1, first.output
    untouched = json.loads(first.stdout)["unexplained"]
    assert "orders latency" not in untouched and "audit partition" in untouched
    # Explain every untouched cell but one: the command still fails, on that one only.
    explained = untouched[1:]
    (lab_dir / "mutants" / "COVERAGE.md").write_text(
        "".join(f"- `{cell}`: the fixture has no check for it\n" for cell in explained)
    )
    second = CliRunner().invoke(cli, ["labs", "coverage", str(lab_dir)], env={"COLUMNS": "250"})
    assert second.exit_code == 1, second.output
    assert "orders_under_faults" in second.output
    assert "untouched, explained: the fixture has no check for it" in second.output
    assert f"1 declared fault(s) no check injects: {untouched[0]}" in second.output
