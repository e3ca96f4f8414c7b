"""`workbench labs mutate` end to end on the files-only fixture lab `fees`: its checks never try
an international payment, so mutants of that branch survive and the others are killed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import MUTATION_LABS

from workbench.authoring.mutation.report import Verdict
from workbench.authoring.mutation.run import mutate
from workbench.authoring.selftest import selftest
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.lab import load_lab

FEES = MUTATION_LABS / "fees"
SURVIVOR = "5b4f62ba9c"
"""`fee = fee * 2` deleted: the international fee is never checked."""
KILLED = "418814125c"
"""`return max(fee, MINIMUM_CENTS)` deleted."""
EQUIVALENT = {"303e46c043", "291bbfa26c"}
"""Recorded in the fixture's mutants/EQUIVALENT.md."""
SURVIVORS = {"dac81d20f1", "647d3933d2", "d2d00b8afb", "5b6100fe85", SURVIVOR, "7affcf6520",
             "f47f3c60a3"}  # fmt: skip
"""The international branch (never checked), an amount of one cent (never checked), and a swap
that computes the fee after the international doubling."""


@pytest.fixture
def fees_lab(tmp_path: Path) -> Path:
    """A copy, so a test can prove the lab's own files are never written."""
    target = tmp_path / "fees"
    shutil.copytree(FEES, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_full_run_kills_some_mutants_and_reports_the_survivors(fees_lab: Path) -> None:
    before = snapshot(fees_lab)
    report = mutate(load_lab(fees_lab))
    assert snapshot(fees_lab) == before  # the lab's files are never modified
    verdicts = {r.mutation.fingerprint: r.verdict for r in report.results}
    assert report.generated == len(report.results) == 26
    assert report.runtime is None  # files only: nothing started
    assert verdicts[KILLED] is Verdict.KILLED
    assert verdicts[SURVIVOR] is Verdict.SURVIVED
    assert {fp for fp, v in verdicts.items() if v is Verdict.EQUIVALENT} == EQUIVALENT
    assert {r.mutation.fingerprint for r in report.survivors} == SURVIVORS
    counts = report.counts()
    assert (
        counts["killed"]
        + counts["survived"]
        + counts["equivalent"]
        + counts["not loadable"]
        + counts["timed out"]
        == 26
    )
    expected = (counts["killed"] + counts["timed out"]) / (26 - 2 - counts["not loadable"])
    assert report.kill_rate == pytest.approx(expected)
    assert not report.ok and report.problems == []
    wrong_minimum = next(r for r in report.results if r.mutation.fingerprint == "1872207d84")
    assert wrong_minimum.detail == (
        "checks/test_fees.py::test_two_percent_of_a_large_payment: a payment of 100.00 should "
        "cost 2.00 in fees, not 3.00"
    )


def test_the_cli_prints_survivors_as_diffs_and_writes_the_json(
    fees_lab: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "labs",
            "mutate",
            str(fees_lab),
            "--only",
            SURVIVOR,
            "--only",
            KILLED,
            "--json",
            str(out),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1, result.output
    assert f"survived {SURVIVOR} fees.py:12 fee_cents [delete-statement]" in result.output
    assert "passed the checks of fees" in result.output
    assert "-        fee = fee * 2" in result.output
    assert "+        pass" in result.output
    assert "kill rate 50.0%" in result.output
    data = json.loads(out.read_text())
    assert data["counts"]["run"] == 2 and data["selection"] == "only 2 fingerprint(s)"
    assert {m["fingerprint"]: m["verdict"] for m in data["mutants"]} == {
        SURVIVOR: "survived",
        KILLED: "killed",
    }
    assert data["mutants"][0]["diff"].startswith("--- solution/fees.py")


def test_json_to_stdout_and_exit_zero_without_survivors(fees_lab: Path) -> None:
    result = CliRunner().invoke(
        cli, ["labs", "mutate", str(fees_lab), "--only", KILLED, "--json", "-"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kill_rate"] == 1.0 and data["counts"]["killed"] == 1


def test_stale_equivalents_are_reported_not_fatal(fees_lab: Path) -> None:
    with (fees_lab / "mutants" / "EQUIVALENT.md").open("a") as f:
        f.write("- `0000000000` fees.py fee_cents: the code this was about is gone\n")
    report = mutate(load_lab(fees_lab), only=[KILLED])
    assert report.ok
    assert any("`0000000000`" in p and "matches no generated mutant" in p for p in report.problems)


def test_a_lab_without_a_solution_is_one_sentence_and_exit_2(fees_lab: Path) -> None:
    shutil.rmtree(fees_lab / "solution")
    lab_yaml = fees_lab / "lab.yaml"  # a lab whose exercises name files must have a solution
    lab_yaml.write_text(lab_yaml.read_text().replace("    files: [fees.py]\n", ""))
    result = CliRunner().invoke(cli, ["labs", "mutate", str(fees_lab)])
    assert result.exit_code == 2
    assert "has no solution/ folder, so there is nothing to mutate" in result.output
    assert "Traceback" not in result.output


def test_checks_that_fail_on_the_solution_stop_the_run(fees_lab: Path) -> None:
    solution = fees_lab / "solution" / "fees.py"
    solution.write_text(solution.read_text().replace("// 100", "// 50"))
    result = CliRunner().invoke(cli, ["labs", "mutate", str(fees_lab), "--limit", "1"])
    # `workbench` prints a WorkbenchError as one sentence and a hint, and exits 1
    assert isinstance(result.exception, WorkbenchError)
    assert "the checks do not pass on the solution" in result.exception.message


def test_an_unknown_fingerprint_is_refused(fees_lab: Path) -> None:
    result = CliRunner().invoke(cli, ["labs", "mutate", str(fees_lab), "--only", "abcdef0123"])
    assert isinstance(result.exception, WorkbenchError)
    assert result.exception.message == "no generated mutant has the fingerprint abcdef0123"


def test_selftest_with_generated_mutants_fails_on_a_survivor(fees_lab: Path) -> None:
    report = selftest(load_lab(fees_lab), generated=30, seed=1)  # 30 > 24: every one
    names = [v.variant for v in report.variants]
    assert names[:3] == ["starter", "solution", "mutant no-minimum"]
    assert all(v.ok for v in report.variants[:3])
    summary = report.variants[3]
    assert summary.variant == "30 generated mutants (seed 1)" and not summary.ok
    survivor = next(v for v in report.variants if v.variant == f"generated mutant {SURVIVOR}")
    assert not survivor.ok and "-        fee = fee * 2" in survivor.detail
    assert not any(v.variant.endswith(tuple(EQUIVALENT)) for v in report.variants)
    assert not report.ok


def test_selftest_with_generated_mutants_passes_when_all_are_killed(fees_lab: Path) -> None:
    result = CliRunner().invoke(
        cli, ["labs", "selftest", str(fees_lab), "--generated", "3", "--seed", "0"]
    )
    assert "3 generated mutants (seed 0)" in result.output
    # seed 0 picks three mutants the checks kill (7 of the 24 not equivalent survive)
    assert result.exit_code == 0, result.output
