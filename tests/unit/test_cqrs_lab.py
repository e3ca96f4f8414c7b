"""The CQRS lab's content, without starting anything: it validates, its hand-outs load, every
exercise has a page, hints and a TODO, its mutants apply to the solution, the read side's store
(`view_blocks`) keeps its promises, and the write side's state machine refuses illegal moves.

The running services are in tests/integration/test_cqrs_services.py; the checks prove themselves
in the parametrised self-tests (local and Docker).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import random
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from workbench.authoring.mutants import mutant_problems, read_mutants
from workbench.checkrun.imports import check_imports
from workbench.lab import Lab, load_lab, validate_lab_dir
from workbench.servicekit import ServiceKit, Settings

CQRS = Path(__file__).resolve().parents[2] / "labs" / "cqrs"
SERVICES = CQRS / "services"


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(CQRS)


def test_the_lab_validates_without_problems() -> None:
    _lab, problems = validate_lab_dir(CQRS)
    assert problems == []


def test_every_exercise_has_a_page_hints_and_a_todo_in_the_starter(lab: Lab) -> None:
    starter = (CQRS / "starter" / "projection.py").read_text(encoding="utf-8")
    assert [e.id for e in lab.exercises] == [
        "projection",
        "idempotency",
        "ordering",
        "rebuild",
        "versions",
    ]
    for exercise in lab.exercises:
        assert (CQRS / exercise.instructions).read_text(encoding="utf-8").startswith("# ")
        assert exercise.hints, f"{exercise.id} has no hints"
        assert starter.count(f"TODO({exercise.id})") == 1, f"one TODO for {exercise.id}"


def test_the_sides_talk_only_through_events(lab: Lab) -> None:
    assert all(link.protocol.value == "event" for link in lab.links)
    subjects = {(link.source, link.label) for link in lab.links}
    assert subjects == {
        ("orders", "order.created"),
        ("orders", "order.approved"),
        ("orders", "order.cancelled"),
        ("orders", "order.shipped"),
        ("customers", "customer.created"),
        ("customers", "customer.renamed"),
    }
    assert {s.context for s in lab.services if s.kind.value == "python"} == {"write", "read"}
    assert all(s.store for s in lab.services if s.kind.value == "python")
    assert [s.name for s in lab.services if s.workspace and s.kind.value == "python"] == [
        "order-views"
    ]


def test_every_mutant_names_its_mistake_and_targets_an_exercise(lab: Lab) -> None:
    mutants, _problems = read_mutants(lab)
    assert mutant_problems(lab) == []  # well written, and every patch applies to the solution
    by_exercise: dict[str, set[str]] = {}
    for mutant in mutants:
        assert mutant.files == ("projection.py",)
        assert mutant.description.endswith("."), mutant.name
        by_exercise.setdefault(mutant.exercise, set()).add(mutant.name)
    assert by_exercise == {
        "projection": {"reads-command-side"},
        "idempotency": {
            "no-dedup",
            "dedup-in-memory",
            "dedup-by-msg-id",
            "mark-outside-transaction",
        },
        "ordering": {
            "upsert-resets-status",
            "arrival-order-wins",
            "rename-one-row",
            "unknown-customer-raises",
        },
        "rebuild": {"wall-clock-history"},
        "versions": {"v2-only"},
    }


def test_starter_solution_and_mutants_load_as_the_check_runner_loads_them(
    lab: Lab, tmp_path: Path
) -> None:
    # The runner imports learner files with only the workspace on sys.path: projection.py must
    # not need the service's modules (db.Skip comes with `db`).
    mutants, _problems = read_mutants(lab)
    folders = [
        CQRS / "starter",
        CQRS / "solution",
        *(m.materialise(lab.solution_dir, tmp_path / m.name) for m in mutants),
    ]
    for folder in folders:
        problems = check_imports(folder, ["projection.py"], starter=lab.starter_dir)
        assert problems == [], f"{folder.name}: {problems}"


def test_the_two_outboxes_are_the_same_file() -> None:
    orders = (SERVICES / "orders" / "outbox.py").read_text(encoding="utf-8")
    assert orders == (SERVICES / "customers" / "outbox.py").read_text(encoding="utf-8")


# -- the read side's store -------------------------------------------------------------------------


@pytest.fixture
def views() -> Iterator[dict[str, ModuleType]]:
    """order-views' own modules, imported as the service imports them."""
    folder = str(SERVICES / "order-views")
    sys.path.insert(0, folder)
    try:
        yield {name: importlib.import_module(name) for name in ("view_blocks", "view_store")}
    finally:
        sys.path.remove(folder)
        for name in ("view_blocks", "view_store", "problems"):
            sys.modules.pop(name, None)


def load_projection(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"projection_{folder.name}", folder / "projection.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_transaction_is_all_or_nothing_and_nests(
    views: dict[str, ModuleType], tmp_path: Path
) -> None:
    db = views["view_blocks"].ViewDb(tmp_path / "v.db")

    def half_way() -> None:
        with db.transaction():
            db.execute("INSERT INTO applied(event_id) VALUES ('e-1')")
            with db.transaction():  # nested: part of the outer one
                db.execute("INSERT INTO customers(customer_id, name, version) VALUES ('c', 'A', 1)")
            raise ValueError("half-way")

    with pytest.raises(ValueError, match="half-way"):
        half_way()
    assert db.query("SELECT * FROM applied") == []
    assert db.one("SELECT * FROM customers") is None
    with db.transaction():
        assert db.execute("INSERT INTO applied(event_id) VALUES ('e-2')") == 1
    assert db.query("SELECT event_id FROM applied") == [{"event_id": "e-2"}]


def test_the_mid_apply_hook_fires_on_the_second_write_and_an_open_transaction_is_undone(
    views: dict[str, ModuleType], tmp_path: Path
) -> None:
    db = views["view_blocks"].ViewDb(tmp_path / "v.db")
    fired: list[int] = []

    def hook() -> None:
        fired.append(len(db.query("SELECT * FROM applied")))

    with db.applying(hook):
        db.query("SELECT 1")  # reads do not count
        db.execute("INSERT INTO applied(event_id) VALUES ('e-1')")
        assert fired == []
        db.execute("  update applied SET event_id='e-2'")  # the second write: the hook first
        db.execute("DELETE FROM applied WHERE event_id='none'")
    assert fired == [1]
    with db.applying(None):
        db._conn.execute("BEGIN")  # a projection that left its transaction open...
        db.execute("INSERT INTO applied(event_id) VALUES ('e-3')")
    assert [r["event_id"] for r in db.query("SELECT * FROM applied")] == ["e-2"]  # ...undone


def test_the_views_answer_from_the_tables(views: dict[str, ModuleType], tmp_path: Path) -> None:
    db = views["view_blocks"].ViewDb(tmp_path / "v.db")
    assert db.order_view(1) is None
    assert db.customer_orders("c-1") is None
    assert db.revenue("2026-03-01") == {"day": "2026-03-01", "orders": 0, "amount_cents": 0}
    db.execute(
        "INSERT INTO orders(order_id, customer_id, customer_name, status, version,"
        " amount_cents) VALUES (1, 'c-1', 'Ann', 'APPROVED', 2, 500)"
    )
    db.execute("INSERT INTO order_history VALUES (1, 2, 'order.approved', 't2')")
    db.execute("INSERT INTO order_history VALUES (1, 1, 'order.created', 't1')")
    view = db.order_view(1)
    assert [h["version"] for h in view["history"]] == [1, 2]  # by version, not by arrival
    assert db.customer_orders("c-1") == {
        "customer_id": "c-1",
        "name": None,  # no customer row yet: the order is listed all the same
        "orders": [
            {
                "order_id": 1,
                "customer_name": "Ann",
                "status": "APPROVED",
                "version": 2,
                "amount_cents": 500,
            }
        ],
    }


def test_a_swapped_store_is_the_one_a_restart_opens(
    views: dict[str, ModuleType], tmp_path: Path
) -> None:
    store = views["view_store"].Store(tmp_path)
    store.db.execute("INSERT INTO applied(event_id) VALUES ('old')")
    fresh = store.fresh()
    fresh.execute("INSERT INTO applied(event_id) VALUES ('new')")
    old_path = store.db.path
    store.swap(fresh)
    assert not old_path.exists()
    reopened = views["view_store"].Store(tmp_path)
    assert reopened.db.query("SELECT event_id FROM applied") == [{"event_id": "new"}]
    left_over = reopened.fresh()
    reopened.discard(left_over)
    assert not left_over.path.exists()


def _events(order_id: int, customer: str) -> list[dict[str, Any]]:
    def event(kind: str, version: int, **data: Any) -> dict[str, Any]:
        return {
            "event_id": uuid.uuid4().hex,
            "type": kind,
            "order_id": order_id,
            "version": version,
            "at": f"2024-05-0{version}T10:00:00+00:00",
            "schema": 1,
            "data": {"customer_id": customer, **data},
        }

    return [
        {
            "event_id": uuid.uuid4().hex,
            "type": "customer.created",
            "customer_id": customer,
            "version": 1,
            "at": "2024-05-01T09:00:00+00:00",
            "schema": 1,
            "data": {"name": "Ann"},
        },
        event("order.created", 1, amount_cents=700),
        event("order.approved", 2),
        event("order.shipped", 3),
        {
            "event_id": uuid.uuid4().hex,
            "type": "customer.renamed",
            "customer_id": customer,
            "version": 2,
            "at": "2024-05-04T09:00:00+00:00",
            "schema": 1,
            "data": {"name": "Ann B"},
        },
    ]


def _all_views(db: Any, order_id: int, customer: str) -> tuple[Any, ...]:
    return (db.order_view(order_id), db.customer_orders(customer), db.revenue("2024-05-02"))


def test_the_solution_gives_the_in_order_views_for_any_order_and_any_repeat(
    views: dict[str, ModuleType], tmp_path: Path
) -> None:
    solution = load_projection(CQRS / "solution")
    blocks = views["view_blocks"]
    events = _events(17, "c-ann")
    in_order = blocks.ViewDb(tmp_path / "in-order.db")
    for event in events:
        solution.apply(in_order, blocks.EventBody(event))
    expected = _all_views(in_order, 17, "c-ann")
    assert expected[0]["status"] == "SHIPPED"
    assert expected[2] == {"day": "2024-05-02", "orders": 1, "amount_cents": 700}
    shuffle = random.Random(7)
    for n in range(5):
        deliveries = events * 2
        shuffle.shuffle(deliveries)
        db = blocks.ViewDb(tmp_path / f"shuffled-{n}.db")
        for event in deliveries:
            solution.apply(db, blocks.EventBody(event))
        assert _all_views(db, 17, "c-ann") == expected


def test_the_solution_skips_an_unknown_schema_without_marking_it(
    views: dict[str, ModuleType], tmp_path: Path
) -> None:
    solution = load_projection(CQRS / "solution")
    blocks = views["view_blocks"]
    db = blocks.ViewDb(tmp_path / "v.db")
    event = {**_events(5, "c-x")[1], "schema": 3}
    with pytest.raises(blocks.Skip, match="schema 3"):
        solution.apply(db, blocks.EventBody(event))
    assert db.order_view(5) is None
    assert db.query("SELECT * FROM applied") == []  # not marked: a fixed projection may take it


# -- the write side ----------------------------------------------------------------------------


@pytest.fixture
def orders_db() -> Iterator[ModuleType]:
    folder = str(SERVICES / "orders")
    sys.path.insert(0, folder)
    try:
        yield importlib.import_module("orders_db")
    finally:
        sys.path.remove(folder)
        for name in ("orders_db", "outbox"):
            sys.modules.pop(name, None)


def test_the_order_state_machine_refuses_illegal_moves_and_versions_every_change(
    orders_db: ModuleType, tmp_path: Path
) -> None:
    kit = ServiceKit(settings=Settings.from_env("orders", env={}))
    orders = orders_db.Orders(tmp_path / "orders.db", kit)
    first = orders.create("c-ann", [{"sku": "mug", "qty": 2, "price_cents": 300}])
    assert (first["status"], first["version"], first["amount_cents"]) == ("PENDING", 1, 600)
    assert orders.move(first["id"], "approve")["version"] == 2
    with pytest.raises(orders_db.IllegalMove, match="is APPROVED; it cannot be cancelled"):
        orders.move(first["id"], "cancel")
    assert orders.move(first["id"], "ship")["status"] == "SHIPPED"
    with pytest.raises(orders_db.UnknownOrder, match="no order 99"):
        orders.move(99, "approve")
    orders.set_schema(2)
    second = orders.create("c-bo", [{"sku": "item", "qty": 1, "price_cents": 900}])
    rows = orders.db.execute("SELECT body FROM outbox ORDER BY seq").fetchall()
    bodies = [json.loads(r[0]) for r in rows]
    assert [(b["type"], b["version"], b["schema"]) for b in bodies] == [
        ("order.created", 1, 1),
        ("order.approved", 2, 1),
        ("order.shipped", 3, 1),
        ("order.created", 1, 2),
    ]
    assert bodies[0]["data"] == {"customer_id": "c-ann", "amount_cents": 600}
    assert bodies[3]["data"]["lines"] == [{"sku": "item", "qty": 1, "price_cents": 900}]
    assert bodies[3]["order_id"] == second["id"]
    assert len({b["event_id"] for b in bodies}) == 4
