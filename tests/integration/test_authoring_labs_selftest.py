"""Every lab under labs/ proves its own checks on the local runtime (`make test` runs this).

Parametrised over the folders, so a new lab is covered the moment it lands.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.paths import REPO_DIR

LABS = sorted(p.parent for p in (REPO_DIR / "labs").glob("*/lab.yaml"))


@pytest.mark.slow
@pytest.mark.timeout(900)  # the cqrs lab: 13 variants, ~3.5 min on a loaded 2-core machine
@pytest.mark.parametrize("lab_dir", LABS, ids=[p.name for p in LABS])
def test_lab_selftest_on_the_local_runtime(lab_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "labs", "selftest", str(lab_dir), "--runtime", "local"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, (
        f"self-test of {lab_dir.name} failed:\n{result.stdout}\n{result.stderr}"
    )
