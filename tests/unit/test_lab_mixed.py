"""lab.yaml's files-only exercises (`needs_services`), `externals` and `design_graph`: the model,
the rules across fields, and the messages a lab author reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import FIXTURE_LABS, MIXED_LABS

from workbench.lab import load_lab, validate_lab_dir
from workbench.lab.problems import Problem

DECOMPOSE = MIXED_LABS / "decompose"


def test_a_mixed_lab_is_valid_and_knows_which_exercises_need_services() -> None:
    lab, problems = validate_lab_dir(DECOMPOSE)
    assert problems == []
    assert lab is not None
    assert lab.exercise("boundaries").needs_services is False
    assert lab.exercise("naming").needs_services is True  # the default
    assert lab.needs_services(["boundaries"]) is False
    assert lab.needs_services(["naming"]) is True
    assert lab.needs_services() is True  # every exercise: one of them needs the services
    assert [x.name for x in lab.externals] == ["browser", "carrier"]
    assert lab.design_graph == "design.graph:build"


def test_a_lab_without_services_needs_none_for_any_exercise() -> None:
    lab = load_lab(FIXTURE_LABS / "design-mini")
    assert not lab.runs_services
    assert lab.needs_services() is False
    assert lab.needs_services(["partition"]) is False


def _lab_with(tmp_path: Path, yaml_tail: str, *, services: bool = True) -> list[Problem]:
    """A copy of the decompose lab with lab.yaml's services, links and exercises replaced."""
    lab_dir = tmp_path / "decompose"
    shutil.copytree(DECOMPOSE, lab_dir)
    head = (DECOMPOSE / "lab.yaml").read_text().split("\nexternals:", 1)[0]
    head = head.replace("design_graph: design.graph:build\n", "")
    if services:
        head += "\nservices:\n  - {name: catalog, source: services/catalog}\n"
    (lab_dir / "lab.yaml").write_text(head + yaml_tail)
    _lab, problems = validate_lab_dir(lab_dir)
    return problems


EXERCISE = "exercises:\n  - {id: boundaries, title: B, instructions: exercises/boundaries.md"


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_needs_services_true_in_a_lab_that_runs_nothing_is_refused(tmp_path: Path) -> None:
    problem = _only(_lab_with(tmp_path, EXERCISE + ", needs_services: true}\n", services=False))
    assert problem.field == "exercises[0].needs_services"
    assert problem.line is not None
    assert "declares no services to run" in problem.message
    assert _lab_with(tmp_path / "b", EXERCISE + ", needs_services: false}\n", services=False) == []


def test_needs_services_that_is_no_boolean_names_file_line_and_field(tmp_path: Path) -> None:
    problem = _only(_lab_with(tmp_path, EXERCISE + ", needs_services: [no]}\n"))
    assert problem.file == (tmp_path / "decompose" / "lab.yaml").resolve()
    assert problem.field == "exercises[0].needs_services"
    assert problem.line == (tmp_path / "decompose" / "lab.yaml").read_text().count("\n")
    assert problem.message == "expected true or false, got [False]"  # YAML's `no` is false


@pytest.mark.parametrize(
    ("tail", "field", "message"),
    [
        ("externals: browser\n", "externals", "expected a list"),
        ("externals:\n  - {description: a browser}\n", "externals[0].name", "required field"),
        ("externals:\n  - {name: web, colour: red}\n", "externals[0].colour", "unknown field"),
        (
            "externals:\n  - {name: web}\n  - {name: web}\n",
            "externals[1].name",
            "duplicate name 'web'",
        ),
        ("externals:\n  - {name: catalog}\n", "externals[0].name", "is a service of the lab"),
        (
            "externals:\n  - {name: web}\n  - {name: bank}\n"
            "links:\n  - {from: web, to: bank, protocol: http}\n",
            "links[0]",
            "a link between two externals",
        ),
        (
            "externals:\n  - {name: web}\nlinks:\n  - {from: web, to: nowhere, protocol: http}\n",
            "links[0].to",
            "unknown service 'nowhere'; known services: catalog; externals: web",
        ),
        ("design_graph: design.graph\n", "design_graph", "expected module:function"),
        ("design_graph: ../escape:build\n", "design_graph", "expected module:function"),
        ("design_graph: design.nothing:build\n", "design_graph", "'design.nothing' not found"),
    ],
)
def test_malformed_externals_and_design_graph(
    tmp_path: Path, tail: str, field: str, message: str
) -> None:
    problems = _lab_with(tmp_path, tail + EXERCISE + "}\n")
    matching = [p for p in problems if p.field == field and message in p.message]
    assert matching, [str(p) for p in problems]
    assert matching[0].line is not None


def test_a_design_module_may_be_a_package(tmp_path: Path) -> None:
    problems = _lab_with(tmp_path, "design_graph: design:build\n" + EXERCISE + "}\n")
    assert problems == []  # design/__init__.py
