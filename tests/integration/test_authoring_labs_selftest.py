"""Every lab under labs/ proves its own checks on the local runtime (`make test` runs this).

Parametrised over the folders, so a new lab is covered the moment it lands. Besides the
hand-written mutants, a small fixed sample of generated ones (`--generated`, seeded) must be
rejected too: a survivor not recorded in the lab's mutants/EQUIVALENT.md fails the test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.paths import REPO_DIR

GENERATED = 5
SEED = 1

LABS = sorted(p.parent for p in (REPO_DIR / "labs").glob("*/lab.yaml"))


@pytest.mark.slow
@pytest.mark.timeout(1300)  # cqrs: 13 variants + generated ones, ~5 min on a loaded 2-core machine
@pytest.mark.parametrize("lab_dir", LABS, ids=[p.name for p in LABS])
def test_lab_selftest_on_the_local_runtime(lab_dir: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "labs",
            "selftest",
            str(lab_dir),
            "--runtime",
            "local",
            "--generated",
            str(GENERATED),
            "--seed",
            str(SEED),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, (
        f"self-test of {lab_dir.name} failed:\n{result.stdout}\n{result.stderr}"
    )
