"""The runner against real pytest subprocesses: selection, timeouts, crashes, import problems.

Labs here are design labs (no services) written into tmp folders, so each case shows one
behaviour of the runner and the plugin without starting anything.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

from workbench.checkrun.results import CheckEvent, ExerciseStatus, Outcome
from workbench.checkrun.runner import run_checks
from workbench.lab import load_lab
from workbench.lab.model import Lab

LAB_YAML = """\
format_version: 1
id: mini
title: Mini
summary: A design lab written by a test.
difficulty: beginner
minutes: 5
exercises:
  - {id: first, title: First, instructions: ex.md, files: [answer.py], hints: [Read ex.md.]}
  - {id: second, title: Second, instructions: ex.md, files: [answer.py]}
"""


def make_lab(root: Path, checks: str, answer: str = "VALUE = 1\n") -> tuple[Lab, Path]:
    lab_dir = root / "mini"
    for folder in ("starter", "solution", "checks"):
        (lab_dir / folder).mkdir(parents=True)
    (lab_dir / "lab.yaml").write_text(LAB_YAML)
    (lab_dir / "ex.md").write_text("# do it\n")
    (lab_dir / "starter" / "answer.py").write_text("VALUE = 0\n")
    (lab_dir / "solution" / "answer.py").write_text("VALUE = 1\n")
    (lab_dir / "checks" / "test_mini.py").write_text("import pytest\n\n" + textwrap.dedent(checks))
    workspace = root / "ws"
    workspace.mkdir()
    (workspace / "answer.py").write_text(answer)
    return load_lab(lab_dir), workspace


def outcomes(run) -> dict[str, Outcome]:  # type: ignore[no-untyped-def]
    return {r.name: r.outcome for r in run.results}


CHECKS = """
    @pytest.mark.exercise("first")
    def test_value(workspace):
        import answer
        assert answer.VALUE == 1, f"VALUE is {answer.VALUE}, it should be 1"

    @pytest.mark.exercise("second")
    @pytest.mark.hint("Second hint.")
    def test_second(workspace):
        assert (workspace / "answer.py").read_text().startswith("VALUE"), "answer.py is empty"
"""


def test_default_selection_stops_after_the_first_exercise_not_passing(tmp_path: Path) -> None:
    lab, ws = make_lab(tmp_path, CHECKS, answer="VALUE = 0\n")
    run = run_checks(lab, ws)
    assert outcomes(run) == {"value": Outcome.FAILED}
    assert run.results[0].message == "VALUE is 0, it should be 1"
    assert [e.status for e in run.exercises()] == [ExerciseStatus.FAILED, ExerciseStatus.NOT_RUN]
    assert not run.passed


def test_all_exercises_when_passing_and_live_events(tmp_path: Path) -> None:
    lab, ws = make_lab(tmp_path, CHECKS)
    events: list[CheckEvent] = []
    run = run_checks(lab, ws, on_event=events.append)
    assert run.passed
    assert outcomes(run) == {"value": Outcome.PASSED, "second": Outcome.PASSED}
    assert [e.kind for e in events] == ["collected", "started", "finished", "started", "finished"]
    assert events[0].total == 2


def test_one_exercise_deselects_the_others(tmp_path: Path) -> None:
    lab, ws = make_lab(tmp_path, CHECKS, answer="VALUE = 0\n")
    run = run_checks(lab, ws, exercises=["second"])
    assert outcomes(run) == {"second": Outcome.PASSED}
    assert run.passed


def test_a_hanging_check_times_out_and_the_others_still_run(tmp_path: Path) -> None:
    lab, ws = make_lab(
        tmp_path,
        """
        @pytest.mark.exercise("first")
        def test_hangs():
            import time
            while True:
                time.sleep(0.1)

        @pytest.mark.exercise("first")
        def test_spins():
            while True:
                pass

        @pytest.mark.exercise("first")
        def test_fine():
            assert True
    """,
    )
    began = time.monotonic()
    run = run_checks(lab, ws, exercises=["first"], check_timeout=1.0)
    assert time.monotonic() - began < 15
    assert outcomes(run) == {"hangs": Outcome.ERROR, "spins": Outcome.ERROR, "fine": Outcome.PASSED}
    assert "did not finish within 1 s" in run.results[0].message
    assert run.error is None


def test_the_overall_deadline_kills_the_checks_process(tmp_path: Path) -> None:
    lab, ws = make_lab(
        tmp_path,
        """
        @pytest.mark.exercise("first")
        def test_slow():
            import time
            time.sleep(60)
    """,
    )
    began = time.monotonic()
    # 5 s: the checks process must have started its check by then, even on a loaded machine
    # (pytest's own start-up took over 2 s under a load of 10 on 2 cores).
    run = run_checks(lab, ws, exercises=["first"], check_timeout=120, deadline=5.0)
    assert time.monotonic() - began < 15
    assert run.results[0].outcome is Outcome.ERROR
    assert run.error == "the checks were stopped: they did not finish within 5 s"


def test_a_check_that_kills_its_process_is_an_error_not_a_crash(tmp_path: Path) -> None:
    lab, ws = make_lab(
        tmp_path,
        """
        @pytest.mark.exercise("first")
        def test_exits():
            import os
            os._exit(7)

        @pytest.mark.exercise("first")
        def test_never_reached():
            pass
    """,
    )
    run = run_checks(lab, ws, exercises=["first"])
    assert outcomes(run) == {"exits": Outcome.ERROR}
    assert "ended the checks process" in run.results[0].message
    assert "exit status 7" in (run.error or "")
    assert not run.passed


def test_learner_files_that_do_not_load_stop_the_checks(tmp_path: Path) -> None:
    lab, ws = make_lab(tmp_path, CHECKS, answer="VALUE = (1\n")
    run = run_checks(lab, ws)
    assert run.results == []
    [problem] = run.import_problems
    assert (problem.file, problem.line) == ("answer.py", 1)
    assert "syntax error" in problem.message


def test_checks_that_do_not_load_are_a_lab_problem(tmp_path: Path) -> None:
    lab, ws = make_lab(tmp_path, "def test_broken(:\n    pass\n")
    run = run_checks(lab, ws)
    assert run.error is not None
    assert "could not be loaded" in run.error
    assert run.results[0].outcome is Outcome.ERROR
    assert not run.passed


def test_errors_in_fixtures_and_skips(tmp_path: Path) -> None:
    lab, ws = make_lab(
        tmp_path,
        """
        @pytest.mark.exercise("first")
        def test_needs_the_lab_running(deployment):
            pass

        @pytest.mark.exercise("first")
        def test_skipped():
            pytest.skip("only on Docker")

        @pytest.mark.exercise("first")
        def test_untidy():
            raise KeyError("total")
    """,
    )
    run = run_checks(lab, ws, exercises=["first"])
    by_name = {r.name: r for r in run.results}
    assert by_name["needs the lab running"].outcome is Outcome.ERROR
    assert "the lab is not running" in by_name["needs the lab running"].message
    assert by_name["skipped"].outcome is Outcome.SKIPPED
    assert by_name["skipped"].message == "only on Docker"
    assert by_name["untidy"].outcome is Outcome.ERROR
    assert "KeyError" in by_name["untidy"].message


def test_async_checks_and_the_lab_fixture(tmp_path: Path) -> None:
    lab, ws = make_lab(
        tmp_path,
        """
        import asyncio

        @pytest.mark.exercise("first")
        async def test_async(lab):
            await asyncio.sleep(0)
            assert lab.id == "mini"
    """,
    )
    run = run_checks(lab, ws, exercises=["first"])
    assert outcomes(run) == {"async": Outcome.PASSED}


def test_cancelling_kills_the_checks_process(tmp_path: Path) -> None:
    import threading

    lab, ws = make_lab(
        tmp_path,
        """
        @pytest.mark.exercise("first")
        def test_slow():
            import time
            time.sleep(60)
    """,
    )
    cancel = threading.Event()

    def on_event(event: CheckEvent) -> None:
        if event.kind == "started":  # cancel a check that is really running, however slow the start
            threading.Timer(0.3, cancel.set).start()

    began = time.monotonic()
    run = run_checks(lab, ws, exercises=["first"], cancel=cancel, on_event=on_event)
    assert time.monotonic() - began < 30
    assert run.error == "the checks were stopped: they were cancelled"
    assert run.results[0].outcome is Outcome.ERROR
