"""`workbench labs selftest`: the fixture labs prove their checks, and broken labs are rejected."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import FIXTURE_LABS

from workbench.authoring.mutants import mutant_problems, read_mutants
from workbench.authoring.patches import make_patch
from workbench.authoring.selftest import selftest
from workbench.lab import load_lab


def selftest_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "labs", "selftest", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "COLUMNS": "300"},
    )


def copy_lab(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURE_LABS / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def write_mutant(lab_dir: Path, name: str, rel: str, text: str, header: str | None = None) -> None:
    """Replace mutant `name` by one whose `rel` reads `text` (keeping its header unless given)."""
    patch = lab_dir / "mutants" / f"{name}.patch"
    if header is None:
        header = patch.read_text().split("\n--- ", 1)[0]
    solution = (lab_dir / "solution" / rel).read_text()
    patch.write_text(make_patch(header, {rel: (solution, text)}))


def test_fixture_labs_pass_their_selftest(fixture_labs: Path) -> None:
    result = selftest_cli("shop", "design-mini")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("self-test passed") == 2
    assert "✓ mutant round-up: checks fail on pricing" in result.stdout
    assert "✓ mutant ten-cents-off" in result.stdout
    assert "✓ starter" in result.stdout
    assert "✓ solution: every check passes" in result.stdout
    assert "(files only: nothing to start)" in result.stdout


def test_a_lab_whose_checks_pass_on_the_starter_is_rejected(tmp_path: Path) -> None:
    lab_dir = copy_lab("design-mini", tmp_path)
    shutil.copy(lab_dir / "solution" / "partition.yaml", lab_dir / "starter" / "partition.yaml")
    result = selftest_cli(str(lab_dir))
    assert result.returncode == 1
    assert "✗ starter" in result.stdout
    assert "checks of partition PASS on the handed-out starter" in result.stdout
    assert "self-test FAILED" in result.stdout


def test_a_service_lab_whose_checks_pass_on_the_starter_is_rejected(tmp_path: Path) -> None:
    """The same on the real local runtime: the shop is started for the starter and solution."""
    lab_dir = copy_lab("shop", tmp_path)
    shutil.copy(lab_dir / "solution" / "pricing.py", lab_dir / "starter" / "pricing.py")
    shutil.rmtree(lab_dir / "mutants")
    report = selftest(load_lab(lab_dir))
    assert not report.ok
    starter = report.variants[0]
    assert (starter.variant, starter.ok) == ("starter", False)
    assert "PASS on the handed-out starter" in starter.detail
    assert report.variants[1].ok  # the solution still passes
    assert report.problems == [
        "exercise 'pricing' has no mutant: add mutants/<name>.patch, a patch against "
        "solution/ whose header says `exercise: pricing`"
    ]


def test_a_mutant_the_checks_accept_is_rejected(tmp_path: Path) -> None:
    lab_dir = copy_lab("design-mini", tmp_path)
    # A "mistake" the checks cannot see: a different but valid partition.
    write_mutant(
        lab_dir,
        "god-service",
        "partition.yaml",
        "services:\n  front: [catalog]\n  back: [ordering, payment]\n  ship: [shipping]\n",
    )
    report = selftest(load_lab(lab_dir))
    assert not report.ok
    [bad] = [v for v in report.variants if not v.ok]
    assert bad.variant == "mutant god-service"
    assert "PASS on this known-wrong solution" in bad.detail


GOD = "god-service"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: (d / "mutants" / "no-consequences.patch").unlink(),
            "exercise 'decision' has no mutant",
        ),
        (
            lambda d: write_mutant(d, GOD, "partition.yaml", "services: {}\n", "Too big.\n"),
            "mutant 'god-service' must name the exercise it targets",
        ),
        (
            lambda d: write_mutant(
                d, GOD, "partition.yaml", "services: {}\n", "Too big.\nexercise: nope\n"
            ),
            "mutant 'god-service' targets unknown exercise 'nope'",
        ),
        (
            lambda d: write_mutant(
                d, GOD, "partition.yaml", "services: {}\n", "exercise: partition"
            ),
            "mutant 'god-service': the patch must start with a one-line description",
        ),
        (
            lambda d: (d / "mutants" / "god-service.patch").write_text("Too big.\n"),
            "mutant 'god-service': no file in the patch",
        ),
        (
            lambda d: (d / "mutants" / "old-style").mkdir(),
            "old-style is a folder, not a mutant",
        ),
        (
            lambda d: write_mutant(
                d, GOD, "partition.yaml", (d / "solution" / "partition.yaml").read_text()
            ),
            "mutant 'god-service': no file in the patch",  # an empty diff has no file at all
        ),
        (
            lambda d: (d / "solution" / "partition.yaml").write_text(
                "services:\n  storefront: [catalog, search]\n  orders: [ordering, payment]\n"
                "  delivery: [shipping]\n"
            ),
            "mutant 'god-service' no longer applies to the solution (god-service.patch:6): "
            "partition.yaml: hunk 1 (@@ -1,4 +1,2 @@) does not apply: line 2 is "
            "'  storefront: [catalog, search]', the patch expects '  storefront: [catalog]'",
        ),
    ],
    ids=[
        "no-mutant",
        "no-target",
        "unknown-target",
        "no-description",
        "not-a-patch",
        "folder",
        "identical",
        "stale",
    ],
)
def test_badly_written_mutants_are_reported(tmp_path: Path, change, problem: str) -> None:  # type: ignore[no-untyped-def]
    lab_dir = copy_lab("design-mini", tmp_path)
    change(lab_dir)
    messages = [p.message for p in mutant_problems(load_lab(lab_dir))]
    assert any(m.startswith(problem) for m in messages), messages


def test_a_mutant_that_no_longer_applies_fails_the_selftest_loudly(tmp_path: Path) -> None:
    """The solution changed under a mutant: the self-test names the mutant, file and hunk, and
    still runs everything else."""
    lab_dir = copy_lab("design-mini", tmp_path)
    solution = lab_dir / "solution" / "partition.yaml"
    solution.write_text(solution.read_text().replace("delivery:", "shipping-desk:"))
    assert not read_mutants(load_lab(lab_dir))[1]  # well written: it is the solution that moved
    result = selftest_cli(str(lab_dir))
    assert result.returncode == 1
    assert "✗ mutant god-service: checks fail on partition" in result.stdout
    assert (
        "mutant 'god-service' no longer applies to the solution (god-service.patch:6): "
        "partition.yaml: hunk 1 (@@ -1,4 +1,2 @@) does not apply: line 4 is "
        "'  shipping-desk: [shipping]', the patch expects '  delivery: [shipping]'"
    ) in result.stdout
    assert "✓ solution: every check passes" in result.stdout
    assert "✓ mutant no-consequences" in result.stdout
    assert "self-test FAILED" in result.stdout


def test_untagged_checks_fail_the_selftest(tmp_path: Path) -> None:
    lab_dir = copy_lab("design-mini", tmp_path)
    (lab_dir / "checks" / "test_extra.py").write_text(
        "import pytest\n\ndef test_untagged():\n    assert False, 'never passes'\n\n"
        "@pytest.mark.exercise('typo')\ndef test_mistagged():\n    pass\n"
    )
    report = selftest(load_lab(lab_dir))
    assert (
        'check checks/test_extra.py::test_untagged has no @pytest.mark.exercise("<id>")'
        in report.problems
    )
    assert (
        "check checks/test_extra.py::test_mistagged is tagged with unknown exercise 'typo'"
        in report.problems
    )
    assert not report.ok


def test_a_mutant_rejected_only_by_crashing_checks_is_not_enough(tmp_path: Path) -> None:
    lab_dir = copy_lab("design-mini", tmp_path)
    # The checks crash on this file (TypeError) instead of telling the learner what is wrong.
    write_mutant(lab_dir, "god-service", "partition.yaml", "services:\n  shop: 5\n")
    report = selftest(load_lab(lab_dir))
    [bad] = [v for v in report.variants if not v.ok]
    assert bad.variant == "mutant god-service"
    assert "rejected only by checks that could not finish" in bad.detail
    assert "TypeError" in bad.detail


def test_a_variant_whose_services_do_not_start_is_stopped_and_reported(tmp_path: Path) -> None:
    """A start that fails half-way leaves the other services running for a learner; the
    self-test has no learner, so it stops that run: nothing of it is left afterwards."""
    from workbench.paths import runs_dir
    from workbench.runtime.local import procs

    lab_dir = copy_lab("shop", tmp_path)
    app = lab_dir / "services" / "gateway" / "app.py"  # nothing waits for the gateway: fails fast
    app.write_text(app.read_text() + "\nraise SystemExit('gateway refuses to start')\n")
    report = selftest(load_lab(lab_dir))
    assert not report.ok
    assert len(report.variants) == 4  # one failed start does not end the self-test
    solution = next(v for v in report.variants if v.variant == "solution")
    assert not solution.ok
    assert "did not start" in solution.detail and "gateway" in solution.detail, solution.detail
    run_ids = [v.run.run_id for v in report.variants if v.run is not None and v.run.run_id]
    assert len(run_ids) == 4, run_ids
    assert not list(runs_dir().glob("shop-*")), "a run of the self-test was left behind"
    for run_id in run_ids:
        assert procs.pids_with_env("WORKBENCH_RUN_ID", run_id) == [], f"{run_id} still runs"
