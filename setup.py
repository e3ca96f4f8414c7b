"""Build step that puts the shipped content into the wheel (everything else is in pyproject.toml).

The labs and the pattern catalog live at the repository's top level, where authors edit them and
the tests read them. A wheel (`pip wheel .`, `pipx install`, `uv tool install`) ships packages
only, so this copies `labs/` and `catalog/` into the built package as `workbench/_shipped/`,
where `workbench.paths` finds them with importlib.resources when no `labs/` folder is beside the
code. Editable installs copy nothing: there the folders beside the code are used as they are.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CONTENT = ("labs", "catalog")
"""Top-level folders the installed workbench needs at run time."""
SHIPPED = "_shipped"
"""Their folder inside the installed package (`workbench.paths.SHIPPED_DIR`)."""
LEFT_BEHIND = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".workbench-backup"
)
"""What a lab folder may hold after a local run that is not content."""


class BuildWithContent(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "workbench" / SHIPPED
        for name in CONTENT:
            if (target / name).exists():
                shutil.rmtree(target / name)  # a stale build/ must not keep a deleted lab
            shutil.copytree(HERE / name, target / name, ignore=LEFT_BEHIND)


setup(cmdclass={"build_py": BuildWithContent})
