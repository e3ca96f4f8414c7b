"""Fault coverage: which faults the lab declares, and which of its checks ever inject them.

`workbench labs coverage LAB` starts the lab on a copy of its solution, runs every check with
WORKBENCH_FAULT_COVERAGE set (the checks' `faults` fixture then records each fault it injects:
check, service, kind, route, crash point), and lays the records over what the lab declares:
every (service, kind) of lab.yaml's `faults:` (no `services:` means every python service) and
every crash point its running services declare (`crash:<point>`). A declared cell no check
touches is code of the learner's that no check ever looks at under that fault. A fault a fixture
of a wider scope injects is credited to the check whose set-up ran that fixture.

An author who leaves a cell untouched on purpose says why in `mutants/COVERAGE.md`, one Markdown
list item per cell:

    - `notification pause`: a paused consumer only delays notifications; the kill and restart
      checks already prove nothing is lost while it is away.

A reason may continue on indented lines; other lines are ignored. An entry for a cell that is not
declared, or that a check does touch, is reported as a problem (stale), not an error.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.authoring.labrun import (
    StepCallback,
    require_solution,
    runtime_for_lab,
    stop_failed_start,
)
from workbench.authoring.mutants import copy_tree
from workbench.checkrun.results import CheckRun
from workbench.checkrun.runner import CHECK_TIMEOUT, run_checks
from workbench.checks.faults import COVERAGE_ENV
from workbench.errors import StartFailedError, WorkbenchError
from workbench.lab.model import Lab, ServiceKind

if TYPE_CHECKING:
    from workbench.runtime.base import Deployment

EXPLANATIONS = "COVERAGE.md"
CRASH = "crash"
_ITEM = re.compile(r"^[-*]\s+`")
_ENTRY = re.compile(r"^[-*]\s+`([a-z][a-z0-9-]*)\s+([a-z_]+(?::[^`\s]+)?)`\s*:\s*(.*)$")


@dataclass(frozen=True)
class Hit:
    """One fault a check injected."""

    check: str
    service: str
    kind: str
    route: str | None = None
    point: str | None = None

    @property
    def fault(self) -> str:
        return f"{CRASH}:{self.point}" if self.kind == CRASH and self.point else self.kind


@dataclass(frozen=True)
class Cell:
    service: str
    fault: str
    """A fault kind (`kill`, `latency`, ...) or `crash:<point>`."""
    declared: bool
    checks: tuple[str, ...] = ()
    """Node ids of the checks that inject it, in run order."""
    routes: tuple[str, ...] = ()
    explanation: str | None = None

    @property
    def touched(self) -> bool:
        return bool(self.checks)


@dataclass
class CoverageReport:
    lab_id: str
    runtime: str
    cells: list[Cell] = field(default_factory=list)
    run: CheckRun | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def untouched(self) -> list[Cell]:
        return [c for c in self.cells if c.declared and not c.touched]

    @property
    def unexplained(self) -> list[Cell]:
        return [c for c in self.untouched if c.explanation is None]

    @property
    def undeclared(self) -> list[Cell]:
        return [c for c in self.cells if not c.declared]

    @property
    def ok(self) -> bool:
        return not self.unexplained

    def to_dict(self) -> dict[str, Any]:
        return {
            "lab": self.lab_id,
            "runtime": self.runtime,
            "cells": [
                {
                    "service": c.service,
                    "fault": c.fault,
                    "declared": c.declared,
                    "checks": list(c.checks),
                    "routes": list(c.routes),
                    "explanation": c.explanation,
                }
                for c in self.cells
            ],
            "untouched": [f"{c.service} {c.fault}" for c in self.untouched],
            "unexplained": [f"{c.service} {c.fault}" for c in self.unexplained],
            "problems": list(self.problems),
            "checks_passed": self.run.passed if self.run is not None else None,
        }


def declared_cells(lab: Lab, crash_points: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Every (service, fault) the lab declares, in lab.yaml's order, crash points last."""
    python = [s.name for s in lab.services if s.kind is ServiceKind.PYTHON]
    cells: list[tuple[str, str]] = []
    for fault in lab.faults:
        for service in fault.services or python:
            cells.append((service, fault.kind.value))
    for service in python:
        cells.extend((service, f"{CRASH}:{p}") for p in crash_points.get(service, []))
    return list(dict.fromkeys(cells))


def build_report(
    lab: Lab,
    runtime: str,
    crash_points: dict[str, list[str]],
    hits: Iterable[Hit],
    explanations: dict[tuple[str, str], str],
) -> CoverageReport:
    """Lay the recorded hits over the declared cells (pure: the command's and the tests' core)."""
    checks: dict[tuple[str, str], list[str]] = {}
    routes: dict[tuple[str, str], list[str]] = {}
    for hit in hits:
        key = (hit.service, hit.fault)
        checks.setdefault(key, [])
        if hit.check not in checks[key]:
            checks[key].append(hit.check)
        if hit.route and hit.route not in routes.setdefault(key, []):
            routes[key].append(hit.route)
    declared = declared_cells(lab, crash_points)
    report = CoverageReport(lab.id, runtime)
    for key in [*declared, *(k for k in checks if k not in declared)]:
        report.cells.append(
            Cell(
                key[0],
                key[1],
                key in declared,
                tuple(checks.get(key, ())),
                tuple(routes.get(key, ())),
                explanations.get(key),
            )
        )
    for (service, fault), _ in explanations.items():
        if (service, fault) not in declared:
            report.problems.append(
                f"{EXPLANATIONS}: `{service} {fault}` is not a fault the lab declares"
            )
        elif (service, fault) in checks:
            report.problems.append(
                f"{EXPLANATIONS}: `{service} {fault}` is exercised by a check now; "
                "remove the explanation"
            )
    return report


def fault_coverage(
    lab: Lab,
    *,
    runtime: str = "local",
    check_timeout: float = CHECK_TIMEOUT,
    on_step: StepCallback | None = None,
) -> CoverageReport:
    """Run the solution's checks with the faults they inject recorded; see the module's doc."""
    step = on_step or (lambda _msg: None)
    require_solution(lab, "cover")
    if not lab.needs_services():
        raise WorkbenchError(
            f"lab {lab.id!r} runs no services, so it has no faults to cover",
            "fault coverage is for labs whose lab.yaml declares services and `faults:`",
        )
    explanations, problems = read_explanations(lab.mutants_dir)
    engine = runtime_for_lab(lab, runtime, step)
    assert engine is not None
    with tempfile.TemporaryDirectory(prefix=f"workbench-coverage-{lab.id}-") as tmp:
        workspace = copy_tree(lab.solution_dir, Path(tmp) / "workspace")
        record = Path(tmp) / "faults.jsonl"
        record.touch()
        step(f"starting {lab.id} on the {runtime} runtime")
        try:
            deployment = engine.up(lab, workspace)
        except StartFailedError as exc:
            stop_failed_start(engine, exc.run_id)
            raise WorkbenchError(
                f"the lab's services did not start on the solution: {exc.message}"
            ) from None
        try:
            points = _crash_points(lab, deployment)
            step("running every check on the solution, recording the faults they inject")
            run = run_checks(
                lab, workspace, deployment=deployment, stop_at_failure=False,
                check_timeout=check_timeout, env={COVERAGE_ENV: str(record)},
            )  # fmt: skip
        finally:
            step("stopping the lab")
            engine.down(deployment)
        hits = read_hits(record)
    report = build_report(lab, engine.name, points, hits, explanations)
    report.run = run
    report.problems[:0] = problems
    if not run.passed:
        failing = [r.name for r in run.results if not r.ok]
        report.problems.insert(
            0,
            "the checks do not all pass on the solution"
            + (f" ({', '.join(failing[:3])})" if failing else f" ({run.error})")
            + ": the coverage below may miss what the failing checks would inject",
        )
    return report


def _crash_points(lab: Lab, deployment: Deployment) -> dict[str, list[str]]:
    from workbench.runtime import faults

    points: dict[str, list[str]] = {}
    for service in lab.services:
        if service.kind is not ServiceKind.PYTHON:
            continue
        try:
            points[service.name] = faults.crash_points(deployment, service.name)
        except WorkbenchError:
            points[service.name] = []  # no kit crash endpoint: it declares none
    return points


def read_hits(path: Path) -> list[Hit]:
    hits: list[Hit] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line)
            hits.append(Hit(str(data["check"]), str(data["service"]), str(data["kind"]),
                            data.get("route"), data.get("point")))  # fmt: skip
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a killed check: the others still count
    return hits


def read_explanations(mutants_dir: Path) -> tuple[dict[tuple[str, str], str], list[str]]:
    path = mutants_dir / EXPLANATIONS
    if not path.is_file():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{EXPLANATIONS}: cannot read it: {exc}"]
    return parse_explanations(text)


def parse_explanations(text: str) -> tuple[dict[tuple[str, str], str], list[str]]:
    found: dict[tuple[str, str], str] = {}
    problems: list[str] = []
    current: tuple[int, tuple[str, str], list[str]] | None = None

    def close() -> None:
        if current is None:
            return
        line, key, parts = current
        reason = " ".join(p for p in parts if p)
        if not reason:
            problems.append(f"{EXPLANATIONS}:{line}: `{key[0]} {key[1]}` needs a reason")
        else:
            found[key] = reason

    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if current is not None and raw[:1] in (" ", "\t") and stripped:
            current[2].append(stripped)
            continue
        close()
        current = None
        if not _ITEM.match(stripped):
            continue
        match = _ENTRY.match(stripped)
        if match is None:
            problems.append(
                f"{EXPLANATIONS}:{number}: expected `- \\`<service> <fault>\\`: <why no check "
                f"needs it>` (fault: a kind or crash:<point>), got {stripped[:60]!r}"
            )
            continue
        current = (number, (match.group(1), match.group(2)), [match.group(3).strip()])
    close()
    return found, problems


def short_name(check: str) -> str:
    """`checks/test_2_compensation.py::test_a_declined_card[x]` -> `a_declined_card[x]`."""
    name = check.rsplit("::", 1)[-1]
    return name.removeprefix("test_")
