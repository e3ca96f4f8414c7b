"""Every broken fixture lab is rejected with its file, field path, line and a clear message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.errors import LabInvalidError
from workbench.lab import load_lab, validate_lab_dir

BROKEN = Path(__file__).resolve().parent.parent / "fixtures" / "broken-labs"
SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "labs" / "shop"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "lab.yaml").is_file())


def expected(case: str) -> tuple[str, str]:
    field, message = (BROKEN / case / "EXPECTED").read_text().splitlines()[:2]
    return field, message


def test_every_broken_fixture_is_covered() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES)
def test_broken_lab_reports_field_line_and_message(case: str) -> None:
    field, message = expected(case)
    _lab, problems = validate_lab_dir(BROKEN / case)
    assert problems, f"{case}: no problem found"
    matching = [p for p in problems if message in p.message and field in p.field]
    assert matching, f"{case}: expected {field!r} / {message!r}, got {[str(p) for p in problems]}"
    problem = matching[0]
    assert problem.file == (BROKEN / case / "lab.yaml").resolve()
    assert problem.line is not None and problem.line >= 1


@pytest.mark.parametrize("case", CASES)
def test_load_lab_raises_with_all_problems(case: str) -> None:
    with pytest.raises(LabInvalidError) as info:
        load_lab(BROKEN / case)
    assert info.value.problems


def test_line_points_at_the_offending_key() -> None:
    _lab, problems = validate_lab_dir(BROKEN / "unknown-field")
    lines = (BROKEN / "unknown-field" / "lab.yaml").read_text().splitlines()
    top = next(p for p in problems if p.field == "titel")
    assert top.line is not None
    assert lines[top.line - 1].startswith("titel:")
    assert "did you mean 'title'" in top.message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    lab = tmp_path / "many"
    (lab / "exercises").mkdir(parents=True)
    (lab / "lab.yaml").write_text(
        "format_version: 1\nid: many\ntitle: t\nsummary: s\ndifficulty: beginner\nminutes: 1\n"
        "services:\n  - {name: a, source: nowhere, depends_on: [b]}\n"
        "  - {name: b, source: nowhere, depends_on: [a]}\n"
        "links:\n  - {from: a, to: zzz, protocol: http}\n"
    )
    _lab, problems = validate_lab_dir(lab)
    text = "\n".join(str(p) for p in problems)
    assert "does not exist" in text
    assert "dependency cycle" in text
    assert "unknown service 'zzz'" in text


def test_fixture_lab_is_valid() -> None:
    lab, problems = validate_lab_dir(SHOP)
    assert problems == []
    assert lab is not None and lab.id == "shop"


@pytest.mark.parametrize("case", ["yaml-syntax", "unknown-field", "dependency-cycle"])
def test_cli_validate_exits_1_without_traceback(case: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "labs", "validate", str(BROKEN / case)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out
    assert "lab.yaml:" in out
    assert expected(case)[1] in out


def test_cli_validate_accepts_fixture_lab() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "labs", "validate", str(SHOP)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "✓" in proc.stdout
