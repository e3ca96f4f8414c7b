"""The saga lab's content, without starting anything: it validates, its hand-outs load, its
mutants are well formed and still apply to the solution, its copies do not drift, and the order
state machine holds.

The behaviour of the running services is in tests/integration/test_saga_services.py, and the
checks prove themselves in the parametrised self-tests (local and Docker).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from workbench.authoring.mutants import mutant_problems, read_mutants
from workbench.checkrun.imports import check_imports
from workbench.lab import Lab, load_lab, validate_lab_dir

SAGA = Path(__file__).resolve().parents[2] / "labs" / "saga"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(SAGA)


def test_the_lab_validates_without_problems() -> None:
    _lab, problems = validate_lab_dir(SAGA)
    assert problems == []


def test_every_exercise_has_a_page_hints_and_a_todo_in_the_starter(lab: Lab) -> None:
    starter = (SAGA / "starter" / "checkout.py").read_text(encoding="utf-8")
    assert [e.id for e in lab.exercises] == [
        "happy-path",
        "compensation",
        "retries",
        "crash-resume",
        "concurrency",
    ]
    for exercise in lab.exercises:
        assert (SAGA / exercise.instructions).read_text(encoding="utf-8").startswith("# ")
        assert exercise.hints, f"{exercise.id} has no hints"
        assert f"TODO({exercise.id})" in starter, f"the starter has no TODO for {exercise.id}"


def test_the_topology_shows_the_saga(lab: Lab) -> None:
    events = {link.label for link in lab.links if link.protocol.value == "event"}
    assert events == {"order.approved", "order.rejected"}
    assert {link.target for link in lab.links if link.protocol.value == "http"} == {
        "inventory",
        "payment",
        "shipping",
    }
    assert all(s.store for s in lab.services if s.kind.value == "python")
    assert lab.service("order").env["SAGA_DEADLINE_S"] == "6"


def test_every_mutant_names_its_mistake_and_targets_an_exercise(lab: Lab) -> None:
    mutants, _problems = read_mutants(lab)
    assert mutant_problems(lab) == []  # well written, and every patch applies to the solution
    names = {m.name for m in mutants}
    assert {
        "no-compensation",
        "compensation-in-wrong-order",
        "refund-without-charge",
        "retry-without-idempotency-key",
        "saga-state-in-memory",
        "check-then-act-stock",
        "pivot-compensated",
    } <= names
    for mutant in mutants:
        assert mutant.files == ("checkout.py",)
        assert mutant.description.endswith("."), mutant.name


def test_starter_solution_and_mutants_load_as_the_check_runner_loads_them(
    lab: Lab, tmp_path: Path
) -> None:
    # The runner imports learner files with only the workspace on sys.path: checkout.py must
    # not need the order service's modules at import time (the exceptions come with `saga`).
    mutants, _problems = read_mutants(lab)
    folders = [
        SAGA / "starter",
        SAGA / "solution",
        *(m.materialise(lab.solution_dir, tmp_path / m.name) for m in mutants),
    ]
    for folder in folders:
        problems = check_imports(folder, ["checkout.py"], starter=lab.starter_dir)
        assert problems == [], f"{folder.name}: {problems}"


@pytest.fixture
def order_modules() -> Iterator[dict[str, ModuleType]]:
    """The order service's own modules, imported as the service imports them."""
    folder = str(SAGA / "services" / "order")
    sys.path.insert(0, folder)
    try:
        yield {name: importlib.import_module(name) for name in ("order_db", "saga_blocks")}
    finally:
        sys.path.remove(folder)
        for name in ("order_db", "saga_blocks"):
            sys.modules.pop(name, None)


def test_the_order_state_machine_refuses_illegal_moves(
    order_modules: dict[str, ModuleType], tmp_path: Path
) -> None:
    db = order_modules["order_db"]
    orders = db.Orders(tmp_path / "orders.db", deadline_s=6)
    fields = {"customer": "ann", "sku": "mug", "qty": 1, "amount_cents": 100, "address": "x"}
    first, created = orders.create(fields, "cart-1")
    again, created_again = orders.create(fields, "cart-1")
    assert (created, created_again) == (True, False)
    assert again["id"] == first["id"]
    assert orders.transition(first["id"], "APPROVED")["status"] == "APPROVED"
    assert orders.transition(first["id"], "APPROVED")["status"] == "APPROVED"  # no-op
    with pytest.raises(db.IllegalTransition, match="already APPROVED; it cannot become REJECTED"):
        orders.transition(first["id"], "REJECTED", "too late")
    with pytest.raises(db.IllegalTransition, match="no order 999"):
        orders.transition(999, "APPROVED")
    # The saga log and the open-saga flag survive reopening the file (a restart).
    orders.log_append(first["id"], "charge", "started", {"key": "charge-1"})
    reopened = db.Orders(tmp_path / "orders.db", deadline_s=6)
    assert [(e["step"], e["state"]) for e in reopened.log_entries(first["id"])] == [
        ("charge", "started"),
    ]
    assert [o["id"] for o in reopened.open_sagas()] == [first["id"]]
    reopened.close_saga(first["id"])
    assert reopened.open_sagas() == []


def test_the_saga_hands_the_learner_its_exceptions(order_modules: dict[str, ModuleType]) -> None:
    blocks = order_modules["saga_blocks"]
    for name in ("Refused", "Unavailable", "StepFailed", "BadRequest", "IllegalTransition"):
        assert getattr(blocks.Saga, name) is getattr(blocks, name)
    assert issubclass(blocks.Refused, blocks.StepFailed)
    assert issubclass(blocks.Unavailable, blocks.StepFailed)
