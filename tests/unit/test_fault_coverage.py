"""Fault coverage bookkeeping: declared cells, recorded hits laid over them, COVERAGE.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.authoring.coverage import (
    Hit,
    build_report,
    declared_cells,
    parse_explanations,
    read_hits,
    short_name,
)
from workbench.checks import faults
from workbench.lab import load_lab

SHOP = load_lab(FIXTURE_LABS / "shop")
PYTHON = ["orders", "audit", "logship", "gateway"]


def test_declared_cells_expand_every_python_service_and_add_crash_points() -> None:
    cells = declared_cells(SHOP, {"orders": ["published"]})
    assert cells[:2] == [("orders", "latency"), ("audit", "latency")]
    assert [s for s, f in cells if f == "error_rate"] == PYTHON  # no services: every one
    assert ("audit", "partition") in cells and ("orders", "partition") not in cells
    assert cells[-1] == ("orders", "crash:published")
    assert len(cells) == len(set(cells))


def test_hits_are_laid_over_the_declared_cells() -> None:
    hits = [
        Hit("checks/test_a.py::test_slow", "orders", "latency", "/orders"),
        Hit("checks/test_b.py::test_slower", "orders", "latency", "/orders"),
        Hit("checks/test_b.py::test_slower", "orders", "latency", "/orders"),
        Hit("checks/test_c.py::test_crash", "orders", "crash", None, "published"),
        Hit("checks/test_c.py::test_reset", "orders", "reset"),
    ]
    explanations = {("audit", "pause"): "audit only records", ("orders", "crash:nope"): "nope",
                    ("orders", "latency"): "stale"}  # fmt: skip
    report = build_report(SHOP, "local", {"orders": ["published"]}, hits, explanations)
    cell = {(c.service, c.fault): c for c in report.cells}
    slow = cell["orders", "latency"]
    assert slow.checks == ("checks/test_a.py::test_slow", "checks/test_b.py::test_slower")
    assert slow.routes == ("/orders",) and slow.declared and slow.touched
    assert cell["orders", "crash:published"].touched
    assert cell["audit", "pause"].explanation == "audit only records"
    assert not cell["orders", "reset"].declared  # used by a check, never declared
    assert [(c.service, c.fault) for c in report.undeclared] == [("orders", "reset")]
    assert ("audit", "pause") not in {(c.service, c.fault) for c in report.unexplained}
    assert ("audit", "latency") in {(c.service, c.fault) for c in report.unexplained}
    assert not report.ok
    assert report.problems == [
        "COVERAGE.md: `orders crash:nope` is not a fault the lab declares",
        "COVERAGE.md: `orders latency` is exercised by a check now; remove the explanation",
    ]
    data = report.to_dict()
    assert "audit latency" in data["unexplained"] and "audit pause" not in data["unexplained"]


def test_every_declared_cell_touched_or_explained_is_ok() -> None:
    cells = declared_cells(SHOP, {})
    hits = [Hit("t::test_x", s, f) for s, f in cells[1:]]
    report = build_report(SHOP, "local", {}, hits, {cells[0]: "why not"})
    assert report.ok and report.untouched and not report.unexplained


def test_coverage_md_entries_reasons_and_problems() -> None:
    found, problems = parse_explanations(
        "# Faults no check needs\n\n"
        "- `notification pause`: a paused consumer only delays the e-mail;\n"
        "  the restart checks prove nothing is lost.\n"
        "- `order crash:tell`: covered by the resume checks\n"
        "- `order`: no fault named\n"
        "- `order kill`:\n"
    )
    assert found == {
        ("notification", "pause"): "a paused consumer only delays the e-mail; the restart "
        "checks prove nothing is lost.",
        ("order", "crash:tell"): "covered by the resume checks",
    }
    assert len(problems) == 2
    assert problems[0].startswith("COVERAGE.md:6: expected")
    assert problems[1] == "COVERAGE.md:7: `order kill` needs a reason"


def test_the_faults_fixture_records_what_it_injects_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "faults.jsonl"
    monkeypatch.setenv(faults.COVERAGE_ENV, str(record))
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "checks/test_a.py::test_slow (call)")
    faults._record_coverage("orders", "latency", {"latency_ms": 900, "route": "/orders"})
    faults._record_coverage("order", "crash", {"point": "tell", "key": 3})
    with record.open("a") as f:
        f.write('{"check": "cut sho')  # a check killed mid-write
    hits = read_hits(record)
    assert hits == [
        Hit("checks/test_a.py::test_slow", "orders", "latency", "/orders", None),
        Hit("checks/test_a.py::test_slow", "order", "crash", None, "tell"),
    ]
    assert hits[1].fault == "crash:tell"
    assert json.loads(record.read_text().splitlines()[0])["route"] == "/orders"


def test_nothing_is_recorded_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(faults.COVERAGE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    faults._record_coverage("orders", "kill", {})
    assert list(tmp_path.iterdir()) == []


def test_short_names() -> None:
    assert short_name("checks/test_2.py::test_a_declined_card[x]") == "a_declined_card[x]"
