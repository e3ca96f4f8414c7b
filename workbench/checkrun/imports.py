"""Before any check runs: does each learner file of the selected exercises load at all?

A syntax error or a name that does not exist would otherwise surface as a service that crashed or a
check that errors far from the cause. Here it is reported naming the file and line. Python files are
compiled and imported in a child process (the learner's code may hang, fork or exit at import
time), with the workspace first on sys.path as the services have it, then the source folders of
the lab's python services that load learner files (a learner file may import what its service
provides, e.g. the saga lab's `saga_blocks`); YAML and JSON files are parsed.

Importing a file runs its module-level code, so *where* the child runs is the runtime's word: a
`Sandbox` (`workbench.runtime.sandbox`): on the host as the user for the local runtime, in a
throw-away container hardened like the lab's services for the Docker runtime. Either way the child
writes the same event lines, read here into the same problems (file, line, message).
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from workbench.checkrun.results import ImportProblem
from workbench.lab.model import Lab, ServiceKind
from workbench.runtime.sandbox import HostPython, Sandbox

IMPORT_TIMEOUT = 10.0
"""Seconds the pre-check may take (all files): a file that loops at import is reported then."""

# Runs in the child: one JSON line per event, flushed, so a hang still tells which file it was in.
# argv: workspace, extra sys.path folders (JSON), files (JSON), required names (JSON), and an
# address-space limit in bytes (0: none).
CHILD = r"""
import importlib, importlib.util, json, os, sys, traceback
workspace, files, required = sys.argv[1], json.loads(sys.argv[3]), json.loads(sys.argv[4])
sys.path[0:0] = [workspace, *json.loads(sys.argv[2])]
if int(sys.argv[5]):
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[5]), int(sys.argv[5])))

MAX_DATA_BYTES = 1024 * 1024
MAX_YAML_VALUES = 50_000

def expanded(node, seen, depth):
    # Values a YAML document holds once aliases are expanded, each shared node counted once per
    # use but measured once: an alias bomb is refused before it is built.
    if id(node) in seen:
        return seen[id(node)]
    if depth > 100:
        raise RecursionError
    if isinstance(node.value, list):
        items = [x for pair in node.value for x in (pair if isinstance(pair, tuple) else (pair,))]
        size = 1 + sum(expanded(x, seen, depth + 1) for x in items)
    else:
        size = 1
    seen[id(node)] = size
    return size

def emit(**event):
    sys.__stdout__.write(json.dumps(event) + "\n")
    sys.__stdout__.flush()

def learner_line(exc, path):
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == path:
            line = frame.lineno
    return line

for rel in files:
    path = os.path.abspath(os.path.join(workspace, rel))
    emit(start=rel)
    problems = []
    if not os.path.isfile(path):
        problems.append([None, "the file is missing from your workspace"])
    elif rel.endswith(".py"):
        try:
            source = open(path, encoding="utf-8").read()
            compile(source, path, "exec")
        except SyntaxError as exc:
            where = f" (column {exc.offset})" if exc.offset else ""
            problems.append([exc.lineno, f"syntax error: {exc.msg}{where}"])
        except (UnicodeDecodeError, ValueError) as exc:
            problems.append([None, f"cannot read it as Python: {exc}"])
        else:
            mod = rel[:-3].replace("/", ".").removesuffix(".__init__")
            sys.stdout = open(os.devnull, "w")  # the learner's prints must not corrupt our output
            try:
                if all(p.isidentifier() for p in mod.split(".")):
                    module = importlib.import_module(mod)
                else:
                    spec = importlib.util.spec_from_file_location("learner_module", path)
                    module = importlib.util.module_from_spec(spec)
                    spec.loader.exec_module(module)
            except BaseException as exc:
                text = str(exc).splitlines()[0] if str(exc) else ""
                detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
                problems.append([learner_line(exc, path), f"importing it failed with {detail}"])
            else:
                for name in required.get(rel, []):
                    if not hasattr(module, name):
                        problems.append([None, f"it no longer defines `{name}`, which the lab "
                                               "uses (the starter file defines it)"])
            finally:
                sys.stdout = sys.__stdout__
    elif os.path.getsize(path) > MAX_DATA_BYTES:
        problems.append([None, f"it is {os.path.getsize(path) // 1024} KiB; the workbench reads "
                               f"at most {MAX_DATA_BYTES // 1024} KiB of a data file"])
    elif rel.endswith((".yaml", ".yml")):
        import yaml
        try:
            node = yaml.compose(open(path, encoding="utf-8"))
            size = expanded(node, {}, 0)
            if size > MAX_YAML_VALUES:
                problems.append([None, f"it expands too far ({size:,} values once its aliases "
                                       f"are expanded; at most {MAX_YAML_VALUES:,})"])
            else:
                yaml.safe_load(open(path, encoding="utf-8"))
        except RecursionError:
            problems.append([None, "it nests too deep (or an alias names the value it is in)"])
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problems.append([mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}"])
        except yaml.YAMLError as exc:
            problems.append([None, f"not valid YAML: {exc}"])
    elif rel.endswith(".json"):
        try:
            json.load(open(path, encoding="utf-8"))
        except ValueError as exc:
            problems.append([getattr(exc, "lineno", None), f"not valid JSON: {exc}"])
    emit(done=rel, problems=problems)
"""


def public_names(source: str) -> list[str]:
    """Top-level functions and classes a starter file defines (the names the lab relies on)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not node.name.startswith("_")
    ]


def service_paths(lab: Lab) -> list[Path]:
    """Source folders of the lab's python services that load learner files: what the learner's
    files can import besides the workspace when a service loads them."""
    folders = []
    for service in lab.services:
        if service.kind is ServiceKind.PYTHON and service.workspace and service.source:
            folder = (lab.path / service.source).resolve()
            if folder.is_dir() and folder not in folders:
                folders.append(folder)
    return folders


def check_imports(
    workspace: Path,
    files: list[str],
    *,
    starter: Path | None = None,
    paths: list[Path] | None = None,
    timeout: float = IMPORT_TIMEOUT,
    sandbox: Sandbox | None = None,
) -> list[ImportProblem]:
    """Problems that stop the learner files from loading; empty when all of them load.

    `paths` go on sys.path after the workspace (see `service_paths`); `sandbox` is where the
    learner's code runs (default: `HostPython`, as the local runtime runs it).
    """
    if not files:
        return []
    sandbox = sandbox or HostPython()
    key = (type(sandbox).__name__, getattr(sandbox, "run_id", None), str(workspace.resolve()),
           tuple(files), tuple(str(p) for p in paths or []))  # fmt: skip
    state = _files_state([workspace, *(paths or [])])
    if state is not None and _CLEAN.get(key) == state:
        return []  # nothing changed since these files last loaded: no child process this time
    problems = _check(workspace, files, starter=starter, paths=paths, timeout=timeout,
                      sandbox=sandbox)  # fmt: skip
    if state is not None and not problems:
        _CLEAN[key] = state
    else:
        _CLEAN.pop(key, None)
    return problems


_CLEAN: dict[tuple[object, ...], tuple[tuple[str, int, int], ...]] = {}
"""Per pre-check (sandbox, workspace, files), the state of the files when they last loaded."""

_STATE_LIMIT = 2000


def _files_state(folders: list[Path]) -> tuple[tuple[str, int, int], ...] | None:
    """(path, mtime_ns, size) of every file in `folders`; None when there are too many to say
    cheaply (then the pre-check always runs)."""
    found: list[tuple[str, int, int]] = []
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
            for name in names:
                try:
                    info = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                found.append((os.path.join(root, name), info.st_mtime_ns, info.st_size))
                if len(found) > _STATE_LIMIT:
                    return None
    return tuple(sorted(found))


def _check(
    workspace: Path,
    files: list[str],
    *,
    starter: Path | None,
    paths: list[Path] | None,
    timeout: float,
    sandbox: Sandbox,
) -> list[ImportProblem]:
    required: dict[str, list[str]] = {}
    for rel in files:
        original = starter / rel if starter else None
        if rel.endswith(".py") and original and original.is_file():
            required[rel] = public_names(original.read_text(encoding="utf-8", errors="replace"))
    output = sandbox.run_python(
        CHILD,
        [json.dumps(files), json.dumps(required)],
        workspace=workspace.resolve(),
        paths=list(paths or []),
        timeout=timeout,
    )
    problems: list[ImportProblem] = []
    current: str | None = None
    for line in output.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if "start" in event:
            current = event["start"]
        elif "done" in event:
            current = None
            problems.extend(ImportProblem(event["done"], ln, msg) for ln, msg in event["problems"])
    if current is not None:
        if output.timed_out:
            message = (
                f"importing it did not finish within {timeout:g} s: does it run something "
                "at import time (a loop, a server, input())?"
            )
        else:
            last = output.stderr.strip().splitlines()[-1:] or ["no output"]
            message = f"importing it ended the Python process ({output.ended or last[0]})"
        problems.append(ImportProblem(current, None, message))
    return problems
