"""The STRIDE lab's content, without starting anything: it validates, its hand-outs load, every
exercise has a page, hints and a TODO, its mutants apply to the solution, the threat-model
reader names the line and the known names on bad input, the design graph draws boundaries and
open threats, and the solution's policy does what the probes expect of it (tokens made here,
with the lab's key, as identity makes them).

The running services are in tests/integration/test_stride_services.py; the checks prove
themselves in the self-tests (local and Docker).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from workbench.authoring.mutants import mutant_problems, read_mutants
from workbench.checkrun.imports import check_imports
from workbench.lab import Lab, load_lab, validate_lab_dir
from workbench.topology import DesignError

STRIDE = Path(__file__).resolve().parents[2] / "labs" / "stride"
KEY = b"stride-lab-signing-key-2f9c"


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(STRIDE)


@pytest.fixture(scope="module")
def graph() -> ModuleType:
    return load(STRIDE / "design" / "graph.py", "stride_design_graph_unit")


@pytest.fixture
def policy() -> ModuleType:
    return load(STRIDE / "solution" / "policy.py", "stride_policy_unit")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(claims: dict[str, Any], key: bytes | None = KEY, alg: str = "HS256") -> str:
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    if key is None:
        return f"{head}.{body}."
    sig = b64(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def claims(**over: Any) -> dict[str, Any]:
    return {"sub": "alice", "role": "customer", "exp": int(time.time()) + 60, "iss": "identity",
            **over}  # fmt: skip


def test_the_lab_validates_without_problems() -> None:
    _lab, problems = validate_lab_dir(STRIDE)
    assert problems == []


def test_every_exercise_has_a_page_and_hints_and_the_starter_has_todos(lab: Lab) -> None:
    assert [e.id for e in lab.exercises] == [
        "dfd", "stride-per-element", "spoofing-tampering-elevation",
        "repudiation-disclosure-dos", "proof",
    ]  # fmt: skip
    for exercise in lab.exercises:
        assert (STRIDE / exercise.instructions).read_text(encoding="utf-8").startswith("# ")
        assert exercise.hints, exercise.id
    assert [e.id for e in lab.exercises if not e.needs_services] == ["stride-per-element"]
    policy = (STRIDE / "starter" / "policy.py").read_text(encoding="utf-8")
    model = (STRIDE / "starter" / "threatmodel.yaml").read_text(encoding="utf-8")
    for n in (3, 4):
        assert f"TODO (exercise {n})" in policy
    for n in (1, 2):
        assert f"TODO (exercise {n})" in model


def test_the_topology_leaves_the_address_lookup_out_on_purpose(lab: Lab) -> None:
    pairs = {(link.source, link.target) for link in lab.links}
    assert ("orders", "identity") not in pairs
    assert ("client", "gateway") in pairs
    assert {s.context for s in lab.services if s.kind.value == "python"} == {
        "edge", "internal", "data"}  # fmt: skip
    assert sorted(s.name for s in lab.services if s.workspace and s.kind.value == "python") == [
        "gateway", "orders"]  # fmt: skip
    keys = {s.name: s.env.get("SIGNING_KEY") for s in lab.services}
    assert keys["gateway"] == keys["identity"] == keys["orders"] == KEY.decode()
    assert keys["audit"] is None


def test_every_mutant_names_its_mistake_and_targets_an_exercise(lab: Lab) -> None:
    mutants, _problems = read_mutants(lab)
    assert mutant_problems(lab) == []
    by_exercise: dict[str, set[str]] = {}
    for mutant in mutants:
        assert mutant.description.endswith("."), mutant.name
        by_exercise.setdefault(mutant.exercise, set()).add(mutant.name)
    named_in_the_issue = {
        "dfd": {"lab-yaml-flows-only", "no-boundary"},
        "stride-per-element": {"threats-only-for-processes", "spoofing-a-store"},
        "spoofing-tampering-elevation": {"unverified-signature", "alg-none", "expiry-ignored",
                                         "trusts-forwarded-headers"},
        "repudiation-disclosure-dos": {"role-not-owner", "audit-only-allowed",
                                       "error-passthrough", "global-rate-limit"},
        "proof": {"claimed-not-proven"},
    }  # fmt: skip
    for exercise, names in named_in_the_issue.items():
        assert names <= by_exercise[exercise], exercise


def test_starter_solution_and_mutants_load(lab: Lab, tmp_path: Path) -> None:
    mutants, _problems = read_mutants(lab)
    folders = [STRIDE / "starter", STRIDE / "solution",
               *(m.materialise(lab.solution_dir, tmp_path / m.name) for m in mutants)]  # fmt: skip
    for folder in folders:
        assert check_imports(folder, ["policy.py"], starter=lab.starter_dir) == [], folder.name


# -- the threat-model reader ----------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "threatmodel.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_solution_model_reads_with_nothing_open(graph: ModuleType) -> None:
    model = graph.load(STRIDE / "solution")
    assert {e.id for e in model.of_kind("process")} >= {"gateway", "identity", "orders", "audit",
                                                          "broker"}  # fmt: skip
    assert all(model.missing(x) == "" for x in [*model.elements, *model.flows])
    proven = {t.probe for t in model.threats if t.status == "mitigated"}
    assert set(graph.REQUIRED_PROBES) <= proven
    assert any(t.id == graph.SHARED_KEY_THREAT for t in model.threats)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("processes: [\n  {id: a\n", r"threatmodel.yaml line \d+"),
        ("processes:\n  - {id: orders}\nflows:\n  - {from: order, to: orders}\n",
         r"line 4: .*unknown element 'order' \(did you mean 'orders'\?\); known: orders"),
        ("processes:\n  - {id: orders}\ndata_stores:\n  - {id: orders, owner: orders}\n",
         r"'orders' is used twice, on line 2 and line 4"),
        ("processes:\n  - {id: gw}\nthreats:\n  - {id: t, element: gw, category: Q,"
         " status: accepted}\n", r"line 4: unknown STRIDE category 'Q'.*known: S, T, R, I, D, E"),
        ("processes:\n  - {id: gw}\nthreats:\n  - {id: t, element: gw, category: S,"
         " status: mitigated, probe: S-no-tokn}\n", r"did you mean 'S-no-token'\?"),
        ("processes:\n  - {id: gw}\nthreats:\n  - {id: t, element: gw, category: S,"
         " status: open}\n", r"status 'open'"),
        ("- just a list\n", r"must be a mapping"),
    ],
)  # fmt: skip
def test_bad_models_name_the_line_and_the_known_names(
    graph: ModuleType, tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(DesignError, match=expected):
        graph.load(write(tmp_path, text))


def test_a_missing_model_is_a_sentence(graph: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(DesignError, match=r"threatmodel\.yaml is missing"):
        graph.load(tmp_path)


def test_categories_may_be_spelt_out(graph: ModuleType, tmp_path: Path) -> None:
    model = graph.load(
        write(
            tmp_path,
            "processes:\n  - {id: gw}\nthreats:\n  - {id: t, "
            "element: gw, category: Elevation of privilege, status: accepted}\n",
        )
    )
    assert model.threats[0].category == "E"


def test_the_design_graph_draws_boundaries_and_open_threats(graph: ModuleType,
                                                            tmp_path: Path) -> None:  # fmt: skip
    shutil.copy(STRIDE / "starter" / "threatmodel.yaml", tmp_path / "threatmodel.yaml")
    g = graph.build(tmp_path)
    assert g.nodes["client"]["kind"] == "external"
    assert "SR open" in g.nodes["client"]["label"]
    assert "STRIDE open" in g.nodes["gateway"]["label"]
    solved = graph.build(STRIDE / "solution")
    assert solved.nodes["orders"]["context"] == "internal"
    assert solved.nodes["client"]["context"] is None  # externals stay outside every context
    assert solved.nodes["orders-db"]["kind"] == "store"
    assert all("open" not in d["label"] for _n, d in solved.nodes(data=True))


# -- the solution's policy ------------------------------------------------------------------------


def test_authenticate_takes_only_genuine_current_tokens(policy: ModuleType) -> None:
    now = time.time()
    good = token(claims())
    assert policy.authenticate(f"Bearer {good}", KEY, now)["sub"] == "alice"
    head, _body, sig = good.split(".")
    edited = b64(json.dumps(claims(role="admin")).encode())
    for bad in (None, "", "Bearer", "Bearer x", "Bearer a.b.c", "Basic abc",
                "Bearer " + "A" * 10240,
                f"Bearer {head}.{edited}.{sig}", f"Bearer {token(claims(), key=None, alg='none')}",
                f"Bearer {token(claims(), key=b'other')}", f"Bearer {token(claims(exp=now - 1))}",
                f"Bearer {token({'sub': 'alice', 'role': 'customer', 'iss': 'identity'})}",
                f"Bearer {token(claims(iss='someone'))}",
                "Bearer é.é.é"):  # fmt: skip
        assert policy.authenticate(bad, KEY, now) is None, bad


def test_authorize_by_role_and_by_owner(policy: ModuleType) -> None:
    alice, carol = claims(), claims(sub="carol", role="admin")
    assert policy.authorize(None, "POST", "/token")
    assert not policy.authorize(None, "GET", "/orders/1")
    assert not policy.authorize(alice, "GET", "/admin/orders")
    assert policy.authorize(carol, "GET", "/admin/orders")
    assert policy.authorize(alice, "GET", "/orders/1", owner="alice")
    assert not policy.authorize(alice, "GET", "/orders/1", owner="bob")
    assert policy.authorize(carol, "GET", "/orders/1", owner="bob")
    assert policy.authorize(alice, "GET", "/users/alice")
    assert not policy.authorize(alice, "GET", "/users/bob")


def test_one_bucket_per_client(policy: ModuleType) -> None:
    now = 1000.0
    alice, bob = claims(), claims(sub="bob")
    waits = [policy.allow_rate(alice, "10.0.0.1", now) for _ in range(60)]
    assert waits[0] is None and waits[-1] is not None and waits[-1] > 0
    assert policy.allow_rate(bob, "10.0.0.1", now) is None
    assert policy.allow_rate(alice, "10.0.0.1", now + 5) is None  # refilled


def test_errors_audit_and_forwarded_identity(policy: ModuleType) -> None:
    shaped = policy.shape_error(500, b'{"traceback": "File x"}', "rid-1")
    assert set(shaped) == {"code", "message", "request_id"} and shaped["request_id"] == "rid-1"
    assert "File" not in json.dumps(shaped)
    assert policy.audit_record(None, "GET", "/x", 401, "r")["subject"] == "anonymous"
    headers = policy.forwarded_headers(claims(), "rid-2", KEY)
    assert policy.verify_forwarded(headers, KEY) == {"sub": "alice", "role": "customer"}
    assert policy.verify_forwarded({**headers, "X-Role": "admin"}, KEY) is None
    assert policy.verify_forwarded({**headers, "X-Request-ID": "other"}, KEY) is None
    assert policy.verify_forwarded({"X-User": "carol", "X-Role": "admin"}, KEY) is None
    assert policy.body_allowed(64 * 1024) and not policy.body_allowed(64 * 1024 + 1)
