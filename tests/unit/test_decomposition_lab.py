"""The decomposition lab's content, without starting anything: it validates, its material is
well formed, the Girvan-Newman baseline and the theory page's figures are recomputed here (so
they stay true), the design drawing reads the learner's cut, the files-only checks accept other
correct cuts than the solution (coarser and finer), and bad input gets a sentence.

The strangler services run in tests/integration/test_decomposition_services.py; the checks prove
themselves on starter, solution and mutants in the self-tests (local and Docker).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.authoring.mutants import mutant_problems, read_mutants
from workbench.authoring.patches import apply_patch, parse_patch
from workbench.checkrun.results import Outcome
from workbench.checkrun.runner import run_checks
from workbench.lab import Lab, load_lab, validate_lab_dir
from workbench.topology import DesignError

LAB_DIR = Path(__file__).resolve().parents[2] / "labs" / "decomposition"
FILE_EXERCISES = ["contexts", "coupling", "sagas"]


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(LAB_DIR)


@pytest.fixture(scope="module")
def design() -> Iterator[Any]:
    """The lab's `design` package (material, measures, the drawing), imported from the lab.

    Other labs have a `design` package too (the fixture labs'): this one is forgotten after the
    module, and any that was imported before is put back."""
    before = {k: m for k, m in sys.modules.items() if k == "design" or k.startswith("design.")}
    for name in before:
        del sys.modules[name]
    sys.path.insert(0, str(LAB_DIR))
    try:
        import design.graph
        import design.measure
        import design.model

        yield design
    finally:
        sys.path.remove(str(LAB_DIR))
        for name in [k for k in sys.modules if k == "design" or k.startswith("design.")]:
            del sys.modules[name]
        sys.modules.update(before)


@pytest.fixture(scope="module")
def material(design: Any) -> Any:
    return design.model.load_material(LAB_DIR / "starter" / "bodyleasing.yaml")


@pytest.fixture(scope="module")
def judge(
    design: Any, material: Any, pytestconfig: pytest.Config
) -> Callable[[Path, list[str]], list[tuple[str, str]]]:
    """Runs the files-only checks in this process (they are plain functions of the material and
    the workspace): [(check, its failure message)] for a workspace, nothing when all pass.
    `test_nothing_assigned...` below runs them the learner's way, through `run_checks`."""
    checks_dir = LAB_DIR / "checks"
    # The checks' own markers (the workbench's plugin registers them in a checks run).
    for marker in ("exercise(id): the exercise a check belongs to", "hint(text): a hint"):
        pytestconfig.addinivalue_line("markers", marker)
    saved = sys.modules.get("conftest")
    modules = []
    try:
        sys.modules["conftest"] = _load("decomposition_checks_conftest", checks_dir / "conftest.py")
        for path in sorted(checks_dir.glob("test_[123]_*.py")):
            modules.append(_load(f"decomposition_checks_{path.stem}", path))
    finally:
        if saved is None:
            sys.modules.pop("conftest", None)
        else:
            sys.modules["conftest"] = saved

    def run(workspace: Path, exercises: list[str]) -> list[tuple[str, str]]:
        failures = []
        for module in modules:
            if module.pytestmark.args[0] not in exercises:
                continue
            for name, check in sorted(vars(module).items()):
                if name.startswith("test_") and callable(check):
                    try:
                        check(material=material, workspace=workspace)
                    except AssertionError as exc:
                        failures.append((name, str(exc)))
        return failures

    return run


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lab_validates_without_problems() -> None:
    _lab, problems = validate_lab_dir(LAB_DIR)
    assert problems == []


def test_every_exercise_has_a_page_hints_and_a_todo_in_the_starter(lab: Lab) -> None:
    assert [e.id for e in lab.exercises] == [*FILE_EXERCISES, "strangler"]
    assert [e.needs_services for e in lab.exercises] == [False, False, False, True]
    starter = {
        name: (LAB_DIR / "starter" / name).read_text(encoding="utf-8")
        for name in ("decomposition.yaml", "strangler.py")
    }
    for exercise in lab.exercises:
        assert (LAB_DIR / exercise.instructions).read_text(encoding="utf-8").startswith("# ")
        assert exercise.hints, f"{exercise.id} has no hints"
        assert any(f"TODO({exercise.id})" in starter[f] for f in exercise.files), exercise.id


def test_only_the_facade_loads_learner_code(lab: Lab) -> None:
    assert [s.name for s in lab.services if s.workspace] == ["facade"]
    assert {s.context for s in lab.services} == {"legacy", "talent", None}


def test_the_material_is_well_formed(material: Any) -> None:
    assert len(material.aggregates) == 10
    assert len(material.entities) == 30
    assert 85 <= len(material.use_cases) <= 95
    teams = {a.team for a in material.aggregates.values()}
    assert teams == {"identity", "talent", "sales", "delivery", "billing", "payments"}
    for aggregate in material.aggregates.values():
        assert aggregate.root in aggregate.entities, aggregate.name
        assert aggregate.actions, aggregate.name
    assert {e.zone for e in material.entities.values()} == {"pci", "personal", "public"}
    for uc in material.use_cases.values():
        assert uc.team in teams, uc.id
        assert uc.reads or uc.writes, uc.id
        unknown = [e for e in uc.reads + uc.writes if e not in material.entities]
        assert not unknown, (uc.id, unknown)
    # The learner's copy and the solution's are the same material the checks read.
    starter = (LAB_DIR / "starter" / "bodyleasing.yaml").read_bytes()
    assert (LAB_DIR / "solution" / "bodyleasing.yaml").read_bytes() == starter


def test_the_baseline_is_girvan_newman_recomputed(design: Any, material: Any) -> None:
    kept = json.loads((LAB_DIR / "checks" / "baseline.json").read_text(encoding="utf-8"))
    assert design.measure.baseline(material) == kept


def _figures_of(design: Any, material: Any, workspace: Path) -> dict[str, Any]:
    return dict(design.measure.figures(material, design.model.read_cut(workspace, material)))


def _mutated(tmp_path: Path, name: str) -> Path:
    workspace = tmp_path / name
    shutil.copytree(LAB_DIR / "solution", workspace)
    patch = parse_patch((LAB_DIR / "mutants" / f"{name}.patch").read_text(encoding="utf-8"))
    apply_patch(patch, workspace)
    return workspace


def _readme_rows() -> dict[str, list[str]]:
    text = (LAB_DIR / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 8 and re.match(r"\d", cells[1]):
            rows[cells[0]] = cells[1:]
    return rows


def test_the_theory_pages_figures_are_the_measured_ones(
    design: Any, material: Any, tmp_path: Path
) -> None:
    rows = _readme_rows()
    keys = ["services", "cross_weight", "modularity", "longest_sync_chain", "sync_cycles",
            "sync_reads", "sagas_needed"]  # fmt: skip

    def as_text(figures: dict[str, Any]) -> list[str]:
        return [f"{figures[k]:g}" if k == "cross_weight" else str(figures[k]) for k in keys]

    solution = _figures_of(design, material, LAB_DIR / "solution")
    nano = _figures_of(design, material, _mutated(tmp_path, "nano-services"))
    assert rows["business capabilities (solution)"] == as_text(solution)
    assert rows["one service per entity"] == as_text(nano)
    kept = json.loads((LAB_DIR / "checks" / "baseline.json").read_text(encoding="utf-8"))
    assert rows["Girvan–Newman baseline"][:3] == [
        str(kept["services"]),
        f"{kept['cross_weight']:g}",
        f"{kept['modularity']:.3f}",
    ]
    assert "30 entities, 10 aggregates, 92 use cases" in (LAB_DIR / "README.md").read_text()
    assert len(material.use_cases) == 92


def test_every_mutant_names_its_mistake_and_targets_an_exercise(lab: Lab) -> None:
    mutants, _problems = read_mutants(lab)
    assert mutant_problems(lab) == []
    names = {m.name: m.exercise for m in mutants}
    for name, exercise in {
        "god-service": "coupling", "nano-services": "coupling", "sync-cycle": "coupling",
        "split-aggregate": "contexts", "pci-beside-personal": "contexts",
        "shared-invoice": "contexts", "write-without-saga": "sagas", "pivot-first": "sagas",
        "get-only": "strangler", "prefix-match": "strangler", "no-acl": "strangler",
    }.items():  # fmt: skip
        assert names.get(name) == exercise, name


# -- other correct cuts than the solution ------------------------------------------------------


def _solution_cut() -> dict[str, Any]:
    data = yaml.safe_load((LAB_DIR / "solution" / "decomposition.yaml").read_text())
    assert isinstance(data, dict)
    return data


def _merge(data: dict[str, Any], into: str, *others: str) -> None:
    target = data["services"][into]
    for name in others:
        part = data["services"].pop(name)
        target["entities"] += part["entities"]
        target["use_cases"] += part["use_cases"]
        target.setdefault("replicated", []).extend(part.get("replicated", []))
    owned = set(target["entities"])
    target["replicated"] = [e for e in target["replicated"] if e not in owned]
    for steps in data["sagas"].values():
        for step in steps:
            if step["service"] in others:
                step["service"] = into


def _split(data: dict[str, Any], source: str, new: str, entities: list[str],
           use_cases: list[str]) -> None:  # fmt: skip
    part = data["services"][source]
    part["entities"] = [e for e in part["entities"] if e not in entities]
    part["use_cases"] = [u for u in part["use_cases"] if u not in use_cases]
    data["services"][new] = {"entities": entities, "use_cases": use_cases}


def coarser(data: dict[str, Any]) -> None:
    """One delivery service for the delivery team's two aggregates (projects and timesheets)."""
    _merge(data, "projects", "timesheets")


def finer_notes(data: dict[str, Any]) -> None:
    """Notes on invoices in a service of their own (still the billing team's)."""
    _split(
        data,
        "billing",
        "invoice-notes",
        ["Note", "NoteAttachment"],
        ["add-note", "attach-document", "remove-note", "list-notes", "import-notes-file"],
    )


def finer_credit_notes(data: dict[str, Any]) -> None:
    """Credit notes apart from invoices: importing a billing file now writes two services, a
    fourth saga (the most a cut may need)."""
    _split(
        data,
        "billing",
        "credit-notes",
        ["CreditNote", "CreditNoteLine"],
        ["issue-credit-note", "cancel-credit-note", "show-credit-note", "list-credit-notes"],
    )
    data["sagas"]["import-billing-file"] = [
        {"service": "credit-notes", "action": "issue-credit-note", "type": "compensable",
         "compensation": "cancel-credit-note"},
        {"service": "billing", "action": "issue-invoice", "type": "pivot"},
    ]  # fmt: skip


def _workspace(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    workspace = tmp_path / change.__name__
    shutil.copytree(LAB_DIR / "solution", workspace)
    data = _solution_cut()
    change(data)
    (workspace / "decomposition.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return workspace


@pytest.mark.parametrize("change", [coarser, finer_notes, finer_credit_notes])
def test_other_correct_cuts_pass_every_files_only_check(
    judge: Any, tmp_path: Path, change: Callable[[dict[str, Any]], None], design: Any,
    material: Any,
) -> None:  # fmt: skip
    workspace = _workspace(tmp_path, change)
    figures = _figures_of(design, material, workspace)
    solution = _figures_of(design, material, LAB_DIR / "solution")
    assert figures["services"] != solution["services"]  # really another cut
    assert judge(workspace, FILE_EXERCISES) == []


def test_the_solution_passes_and_the_starter_fails_every_files_only_exercise(judge: Any) -> None:
    assert judge(LAB_DIR / "solution", FILE_EXERCISES) == []
    for exercise in FILE_EXERCISES:
        assert judge(LAB_DIR / "starter", [exercise]), exercise


@pytest.mark.parametrize(
    ("name", "exercise", "says"),
    [
        ("god-service", "coupling", "one service holding everything has no boundaries"),
        ("nano-services", "coupling", "the modularity of your cut is -0.043"),
        ("sync-cycle", "coupling", "freelancers→projects (freelancer-assignments reads "),
        ("split-aggregate", "contexts", "aggregate Timesheet is split"),
        ("pci-beside-personal", "contexts", "keeps card data (CardToken, PaymentCard) beside"),
        ("shared-invoice", "contexts", "Invoice is owned by billing and payments"),
        ("write-without-saga", "sagas", "staff-position writes freelancers and projects"),
        ("pivot-first", "sagas", "runs after the pivot"),
    ],
)
def test_each_design_mutant_is_rejected_with_a_sentence_naming_the_mistake(
    judge: Any, tmp_path: Path, name: str, exercise: str, says: str
) -> None:
    failures = judge(_mutated(tmp_path, name), [exercise])
    messages = " | ".join(message for _check, message in failures)
    assert says in messages, messages


def test_coupling_failures_show_group_coupling_and_instability(lab: Lab, tmp_path: Path) -> None:
    run = run_checks(lab, _mutated(tmp_path, "sync-cycle"), exercises=["coupling"],
                     stop_at_failure=False)  # fmt: skip
    cycle = next(r for r in run.results if r.outcome == Outcome.FAILED)
    assert "group_coupling" in (cycle.message or "")
    assert "Instability" in (cycle.message or "")
    assert "projects→freelancers" in (cycle.message or "")


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("services:\n  a: [x\n", "decomposition.yaml line 3:"),
        ("services:\n  a:\n    entities: [Timesheet Entry]\n",
         "unknown entity 'Timesheet Entry'; did you mean 'TimesheetEntry'?"),
        ("services:\n  a:\n    use_cases: [log-hour]\n",
         "unknown use case 'log-hour'; did you mean 'log-hours'?"),
        ("just text\n", "needs `services:`"),
        ("services:\n  a: {}\nsagas:\n  x:\n    - {service: a, action: b, type: maybe}\n",
         "has type 'maybe'; a step is compensable, pivot, retryable"),
    ],
)  # fmt: skip
def test_a_cut_that_cannot_be_read_is_a_sentence(
    design: Any, material: Any, tmp_path: Path, text: str, says: str
) -> None:
    (tmp_path / "decomposition.yaml").write_text(text)
    with pytest.raises(DesignError) as caught:
        design.model.read_cut(tmp_path, material)
    assert says in str(caught.value)


def test_nothing_assigned_names_the_first_five_and_how_many_more(lab: Lab, tmp_path: Path) -> None:
    shutil.copytree(LAB_DIR / "solution", tmp_path / "ws")
    (tmp_path / "ws" / "decomposition.yaml").write_text("services:\n  a: {}\n")
    run = run_checks(lab, tmp_path / "ws", exercises=["contexts"], stop_at_failure=False)
    first = next(r for r in run.results if r.name.startswith("every entity"))
    assert first.outcome == Outcome.FAILED
    assert re.search(r"no service owns (\w+, ){4}\w+ and 25 more", first.message or "")


@pytest.mark.parametrize(
    ("saga", "step", "field", "value", "says"),
    [
        ("staff-position", 1, "service", "freelancer",
         "'freelancer', which your cut does not have; did you mean 'freelancers'? Your "
         "services: identity, freelancers,"),
        ("bill-timesheet", 0, "action", "mark-billed",
         "asks projects to 'mark-billed', which it cannot do; did you mean "
         "'mark-timesheet-billed'? projects can: open-project,"),
    ],
)  # fmt: skip
def test_an_unknown_saga_step_lists_the_known_names(  # noqa: PLR0917 - parametrised
    judge: Any, tmp_path: Path, saga: str, step: int, field: str, value: str, says: str
) -> None:
    workspace = _workspace(tmp_path, coarser)
    data = yaml.safe_load((workspace / "decomposition.yaml").read_text())
    data["sagas"][saga][step][field] = value
    (workspace / "decomposition.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    failures = dict(judge(workspace, ["sagas"]))
    message = failures["test_saga_steps_name_known_services_and_actions"]
    assert says in message, message


def test_the_drawing_shows_services_their_entities_calls_and_replicas(design: Any) -> None:
    g = design.graph.build(LAB_DIR / "solution")
    assert "projects" in g.nodes
    assert "Project, Position, Assignment, Milestone" in g.nodes["projects"]["description"]
    edges = {(u, v, d["kind"]) for u, v, d in g.edges(data=True)}
    assert ("projects", "customers", "http") in edges  # show-project reads Customer
    assert ("projects", "freelancers", "http") in edges  # find-candidates reads Skill
    # Replicas are fed by their owner's events: freelancers keeps a copy of Assignment.
    assert ("projects", "freelancers", "event") in edges
    assert ("timesheets", "billing", "event") in edges
    assert not any(kind == "http" and u == "freelancers" for u, _v, kind in edges)
