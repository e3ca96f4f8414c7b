"""The learner's design, drawn: run the lab's `design_graph` function on their workspace.

The function is the lab author's code reading the learner's files, so it runs in a child process,
never in the front end's: a file it cannot parse, a bug of the author's, a loop or a memory blow-up
becomes a sentence (`DesignView.problem`) shown in place of the drawing, never a traceback, and
never a hung or crashed TUI. The child runs as the checks do: on the host, outside the workspace
(the learner's `yaml.py` is not what `import yaml` finds), with the lab folder first on sys.path
(so `design.graph` is `<lab>/design/graph.py`), in a process group of its own that is killed when
it is done, under an address-space limit and a timeout.

Public API: `design_view(lab, workspace, *, timeout=DESIGN_TIMEOUT) -> DesignView`,
`require_design(lab)` (the one-sentence error for a lab without a design graph).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import networkx as nx

    from workbench.lab.model import Lab

DESIGN_TIMEOUT = 10.0
"""Seconds the design function may take (a design file is small; a loop is a bug)."""
MEMORY_LIMIT = 1 << 30
"""Bytes of address space the child may use (a YAML alias bomb in a learner's file stops here)."""
MAX_OUTPUT = 8 << 20
"""Bytes of graph the child may send back (a drawable design is far smaller)."""

# argv: lab folder, module, function, workspace, address-space limit in bytes.
CHILD = r"""
import importlib, json, resource, sys, traceback
from pathlib import Path
lab_dir, module_name, function_name, workspace, limit = sys.argv[1:6]
resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
sys.path.insert(0, lab_dir)
out = sys.stdout
sys.stdout = sys.stderr  # what the author's code prints is not the answer

def answer(**fields):
    out.write(json.dumps(fields, default=str) + "\n")
    out.flush()

try:
    import networkx as nx
    from workbench.topology.design import MAX_DESIGN_NODES, DesignError
    function = getattr(importlib.import_module(module_name), function_name)
    graph = function(Path(workspace))
    if not isinstance(graph, nx.Graph):
        answer(author=f"{module_name}:{function_name} returned {type(graph).__name__}, "
                      "not a networkx graph")
    elif graph.number_of_nodes() > MAX_DESIGN_NODES:
        answer(problem=f"the design has {graph.number_of_nodes():,} nodes; a design drawn here "
                       f"has at most {MAX_DESIGN_NODES:,}")
    else:
        answer(graph=nx.node_link_data(graph, edges="edges"))
except DesignError as exc:
    answer(problem=str(exc))
except MemoryError:
    answer(problem="reading the design took more memory than it may (is a file of it huge?)")
except RecursionError:
    answer(problem="reading the design went too deep (a file of it nests too far)")
except BaseException as exc:
    frames = traceback.extract_tb(exc.__traceback__)
    where = next((f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames)
                  if f.filename.startswith(lab_dir)), None)
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{Path(exc.filename).name}:{exc.lineno}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    answer(error=type(exc).__name__, message=text, where=where)
"""


@dataclass(frozen=True)
class DesignView:
    """The learner's design graph, or the sentence that says why there is none."""

    graph: nx.MultiDiGraph | None
    problem: str | None = None


def require_design(lab: Lab) -> str:
    """The lab's `module:function`, or a WorkbenchError saying it has none."""
    if lab.design_graph is None:
        raise WorkbenchError(
            f"lab {lab.id!r} declares no design graph, so there is no design of yours to draw "
            "(`--design` works in labs whose lab.yaml has `design_graph:`)"
        )
    return lab.design_graph


def design_view(lab: Lab, workspace: Path, *, timeout: float = DESIGN_TIMEOUT) -> DesignView:
    """Run the lab's design function on `workspace` (in a child) and read back its graph."""
    from workbench.topology.design import DesignError, design_from_data

    target = require_design(lab)
    module, _, function = target.partition(":")
    if not workspace.is_dir():
        return DesignView(None, f"your workspace {workspace} is not a folder")
    answer = _run_child(lab.path, module, function, workspace, timeout)
    if "graph" in answer:
        try:
            graph = design_from_data(
                answer["graph"], lab_id=lab.id, title=f"{lab.title}: your design"
            )
        except DesignError as exc:
            return DesignView(None, str(exc))
        return DesignView(graph)
    if "problem" in answer:
        return DesignView(None, str(answer["problem"]))
    if "author" in answer:
        return DesignView(None, f"the lab's design graph is broken: {answer['author']}")
    if "error" in answer:
        where = f" at {answer['where']}" if answer.get("where") else ""
        message = f": {answer['message']}" if answer.get("message") else ""
        return DesignView(
            None,
            f"your design could not be drawn: the lab's {target} raised "
            f"{answer['error']}{where}{message}",
        )
    return DesignView(None, str(answer.get("ended", "the design could not be drawn")))


def _run_child(
    lab_dir: Path, module: str, function: str, workspace: Path, timeout: float
) -> dict[str, object]:
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in the lab or the workspace
        "PYTHONSAFEPATH": "1",  # no current folder on sys.path
    }
    command = [
        sys.executable,
        "-c",
        CHILD,
        str(lab_dir),
        module,
        function,
        str(workspace.resolve()),
        str(MEMORY_LIMIT),
    ]
    with tempfile.TemporaryDirectory(prefix="workbench-design-") as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                command,
                cwd=tmp,  # never the workspace: the learner's files are data here, not code
                env=env,
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if timed_out:
            return {"ended": f"drawing your design took longer than {timeout:g} s: stopped"}
        if out.stat().st_size > MAX_OUTPUT:
            return {"ended": "your design is too big to draw"}
        lines = out.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if lines:
            with contextlib.suppress(ValueError):
                answer = json.loads(lines[-1])
                if isinstance(answer, dict):
                    return answer
        tail = err.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:]
        why = f": {tail[0]}" if tail else ""
        code = proc.returncode
        return {"ended": f"drawing your design ended without an answer (exit {code}){why}"}
