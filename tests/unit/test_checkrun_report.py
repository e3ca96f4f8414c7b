"""Report formats: the rich report a learner reads, and JUnit XML a grader's CI reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from workbench.checkrun.report import print_report, to_json, to_junit_xml, write_junit_xml
from workbench.checkrun.results import CheckResult, CheckRun, ImportProblem, Outcome

TRACEBACK = "def test_total():\n>       assert total == 1225\nE       AssertionError"


def sample_run() -> CheckRun:
    return CheckRun(
        lab_id="shop",
        workspace="/ws",
        selected=["pricing", "shipping"],
        exercise_titles={"pricing": "Price an order", "shipping": "Ship it"},
        exercise_hints={"pricing": ["Sum quantity × unit price."]},
        results=[
            CheckResult(
                "checks/test_p.py::test_total", "total", "pricing", Outcome.PASSED, duration=0.1
            ),
            CheckResult(
                "checks/test_p.py::test_ten",
                'ten <off> & "round"',
                "pricing",
                Outcome.FAILED,
                "1225 less 10% is 1102, not 1103 <&>",
                "Round down, never up.",
                0.2,
                TRACEBACK,
            ),
            CheckResult(
                "checks/test_p.py::test_slow",
                "slow",
                "pricing",
                Outcome.ERROR,
                "the check did not finish within 1 s",
                None,
                1.0,
                "Timeout",
            ),
        ],
        duration=1.5,
    )


def render(run: CheckRun, *, verbose: bool = False) -> str:
    console = Console(record=True, width=200, color_system=None)
    print_report(run, console, verbose=verbose)
    return console.export_text()


def test_report_shows_marks_messages_and_hints_but_no_traceback() -> None:
    text = render(sample_run())
    assert "✓ total" in text
    assert "✗ ten <off>" in text
    assert "1225 less 10% is 1102, not 1103" in text
    assert "hint: Round down, never up." in text
    assert "! slow" in text
    assert "did not finish within 1 s" in text
    assert "Ship it (shipping): not checked" in text
    assert "AssertionError" not in text
    assert "0 of 2 exercise(s) passed" in text


def test_verbose_report_adds_tracebacks_and_timings() -> None:
    text = render(sample_run(), verbose=True)
    assert "AssertionError" in text
    assert "(0.20 s)" in text


def test_exercise_hint_is_offered_not_shown_until_asked_for() -> None:
    run = sample_run()
    run.results = [CheckResult("t::a", "a", "pricing", Outcome.FAILED, "wrong total")]
    text = render(run)
    assert "Sum quantity × unit price." not in text  # not counted in hints_used: not shown
    assert f"hint 1 of 1: workbench hint {run.lab_id} pricing" in text


def test_the_last_hint_asked_for_is_repeated_under_a_failing_exercise() -> None:
    run = sample_run()
    run.results = [CheckResult("t::a", "a", "pricing", Outcome.FAILED, "wrong total")]
    run.hints_used = {"pricing": 1}
    text = render(run)
    assert "hint 1 of 1: Sum quantity × unit price." in text
    assert "workbench hint" not in text  # no further hint to offer


def test_no_exercise_hint_when_checks_only_errored() -> None:
    """A service that is down says nothing about the learner's code: no hint to change it."""
    run = sample_run()
    run.results = [
        CheckResult("t::a", "a", "pricing", Outcome.ERROR, "payment is not running"),
    ]
    text = render(run)
    assert "payment is not running" in text
    assert "hint:" not in text


def test_import_problems_replace_the_report() -> None:
    run = sample_run()
    run.results = []
    run.import_problems = [ImportProblem("pricing.py", 7, "syntax error: expected ':'")]
    text = render(run)
    assert "Your files do not load" in text
    assert "pricing.py:7: syntax error: expected ':'" in text


def test_json_report_is_the_results_model() -> None:
    import json

    data = json.loads(to_json(sample_run()))
    assert data["passed"] is False
    assert data["counts"] == {"passed": 1, "failed": 1, "error": 1, "skipped": 0}


def test_junit_xml_is_well_formed_with_counts_per_exercise(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.xml"
    write_junit_xml(sample_run(), path)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "4",
        "1",
        "1",
        "1",
    )
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"shop.pricing", "shop.shipping"}
    pricing = suites["shop.pricing"]
    assert (pricing.get("tests"), pricing.get("failures"), pricing.get("errors")) == ("3", "1", "1")
    failure = pricing.find("testcase[@name='ten <off> & \"round\"']/failure")
    assert failure is not None
    assert failure.get("message") == (
        "1225 less 10% is 1102, not 1103 <&> (hint: Round down, never up.)"
    )
    assert "AssertionError" in (failure.text or "")
    error = pricing.find("testcase[@name='slow']/error")
    assert error is not None
    skipped = suites["shop.shipping"].find("testcase/skipped")
    assert skipped is not None
    assert "not passing yet" in (skipped.get("message") or "")


def test_junit_xml_follows_the_junit_shape() -> None:
    """The attributes and nesting CI servers (Jenkins/Ant JUnit schema) require."""
    root = ET.fromstring(to_junit_xml(sample_run()).split("\n", 1)[1])
    for suite in root:
        assert suite.tag == "testsuite"
        for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
            assert suite.get(attr) is not None, attr
        for case in suite:
            assert case.tag == "testcase"
            assert case.get("name")
            assert case.get("classname")
            float(case.get("time") or "x")
            assert len(case) <= 1
            assert all(child.tag in ("failure", "error", "skipped") for child in case)


def test_junit_xml_reports_import_problems_and_run_errors() -> None:
    run = sample_run()
    run.results = []
    run.import_problems = [ImportProblem("pricing.py", 3, "syntax error")]
    run.error = None
    root = ET.fromstring(to_junit_xml(run).split("\n", 1)[1])
    case = root.find("testsuite[@name='shop.imports']/testcase/failure")
    assert case is not None
    assert case.get("message") == "pricing.py:3: syntax error"
    run.import_problems = []
    run.error = "the checks process ended unexpectedly"
    root = ET.fromstring(to_junit_xml(run).split("\n", 1)[1])
    assert root.find("testsuite[@name='shop.run']/testcase/error") is not None
    assert len(root.findall("testsuite[@name='shop.run']")) == 1, "the run error is reported once"
    assert root.get("errors") == "1"
