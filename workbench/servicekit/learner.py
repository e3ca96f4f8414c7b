"""The learner's code, imported from WORKSPACE so that a mistake in it is a message, not a crash.

`kit.learner_module("pricing")` returns a `LearnerModule`: attribute access reaches the real
module, freshly imported from `$WORKSPACE/pricing.py` (or `pricing/__init__.py`) and imported again
whenever the file changes. When it cannot be imported (syntax error, exception at import, a
required name missing), the service keeps running: the problem is logged with file and line,
`/ready` reports it, and using the module raises `LearnerCodeError`, which the kit turns into a
500 answer with the same sentence.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

from workbench.servicekit.errors import LearnerCodeError

if TYPE_CHECKING:
    from workbench.servicekit.logs import KitLogger


def where_in(workspace: Path | None, tb: TracebackType | None) -> str | None:
    """`pricing.py:12` for the innermost traceback frame inside the workspace, if any."""
    if workspace is None or tb is None:
        return None
    root = str(workspace.resolve())
    found = None
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(root):
            found = f"{Path(frame.filename).relative_to(root)}:{frame.lineno}"
    return found


class LearnerModule:
    def __init__(
        self, name: str, workspace: Path | None, log: KitLogger, requires: Sequence[str] = ()
    ) -> None:
        self._name = name
        self._workspace = workspace
        self._log = log
        self._requires = tuple(requires)
        self._module: ModuleType | None = None
        self._stamp: tuple[int, int] | None = None
        self.problem: str | None = None
        self.where: str | None = None
        self._lock = threading.Lock()
        self._load()

    @property
    def path(self) -> Path | None:
        if self._workspace is None:
            return None
        package = self._workspace / self._name / "__init__.py"
        return package if package.exists() else self._workspace / f"{self._name}.py"

    def _stamp_now(self) -> tuple[int, int] | None:
        # mtime and size: two saves within one coarse mtime tick still differ in size, mostly.
        path = self.path
        try:
            st = path.stat() if path is not None else None
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size) if st is not None else None

    def _fail(self, problem: str, where: str | None) -> None:
        self._module, self.problem, self.where = None, problem, where
        self._log.error("learner code problem", module=self._name, where=where, problem=problem)

    def _load(self) -> None:
        self._stamp = self._stamp_now()
        path = self.path
        if path is None:
            return self._fail(f"cannot load {self._name}: WORKSPACE is not set", None)
        if not path.exists():
            return self._fail(f"{path.name} is missing from your workspace ({path.parent})", None)
        # Forget earlier imports of workspace files, so helpers the module imports are fresh too.
        root = os.path.join(self._workspace.resolve(), "") if self._workspace else None
        for key, mod in list(sys.modules.items()):
            if root and (getattr(mod, "__file__", None) or "").startswith(root):
                del sys.modules[key]
        spec = importlib.util.spec_from_file_location(self._name, path)
        if spec is None or spec.loader is None:
            return self._fail(f"cannot import {path.name}", None)
        module = importlib.util.module_from_spec(spec)
        sys.modules[self._name] = module
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            sys.modules.pop(self._name, None)
            line = exc.lineno or 0
            return self._fail(
                f"{path.name} line {line}: SyntaxError: {exc.msg}", f"{path.name}:{line}"
            )
        except Exception as exc:
            sys.modules.pop(self._name, None)
            where = where_in(self._workspace, exc.__traceback__) or path.name
            return self._fail(
                f"{path.name} fails to import ({where}): {type(exc).__name__}: {exc}", where
            )
        missing = [name for name in self._requires if not hasattr(module, name)]
        if missing:
            return self._fail(
                f"{path.name} does not define {', '.join(missing)}; the service calls it", path.name
            )
        self._module, self.problem, self.where = module, None, None
        self._log.info("learner module loaded", module=self._name, path=str(path))
        return None

    def module(self) -> ModuleType:
        """The current module (re-imported when its file changed); raises when it is broken."""
        if self._stamp_now() != self._stamp:
            with self._lock:  # sync endpoints run in threads: import once, not once per thread
                if self._stamp_now() != self._stamp:
                    self._load()
        if self._module is None:
            raise LearnerCodeError(self.problem or f"{self._name} is not loaded", self.where)
        return self._module

    def __getattr__(self, attr: str) -> Any:
        # Only called for names not found on the proxy itself: those belong to the module.
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self.module(), attr)
