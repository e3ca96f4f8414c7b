"""The decomposition lab's strangler services on the real local runtime: what its checks take
for granted. The monolith keeps its legacy contract; the freelancers service starts with the
monolith's freelancers in the new model; the facade forwards through `kit.peer` (so every call
is counted) to the backend the learner's route() names, translating bodies both ways, and turns
a wrong answer of route() or an exception in strangler.py into a sentence. One lab run serves
the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from workbench.checks.stats import StatsReport
from workbench.lab import Lab, load_lab
from workbench.runtime.base import Deployment
from workbench.runtime.local import LocalRuntime

LAB_DIR = Path(__file__).resolve().parents[2] / "labs" / "decomposition"

# The solution's strangler.py, with two paths that misbehave on purpose (for the bad-input tests).
STRANGLER = (
    (LAB_DIR / "solution" / "strangler.py").read_text(encoding="utf-8")
    + """

_solution_route = route


def route(method, path):  # noqa: F811 - wraps the solution for the bad-input tests
    if path == "/typo":
        return "freelancer"
    if path == "/boom":
        raise RuntimeError("boom for the test")
    return _solution_route(method, path)
"""
)


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(LAB_DIR)


@pytest.fixture(scope="module")
def running(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    workspace = tmp_path_factory.mktemp("decomposition-workspace")
    (workspace / "strangler.py").write_text(STRANGLER, encoding="utf-8")
    state = tmp_path_factory.mktemp("decomposition-state")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_STATE_DIR", str(state))
        runtime = LocalRuntime()
        deployment = runtime.up(lab, workspace, deadline=90)
        try:
            yield deployment
        finally:
            runtime.down(deployment)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def stats(http: httpx.Client, running: Deployment, service: str) -> StatsReport:
    return StatsReport(service, http.get(f"{running.url(service)}/_admin/stats").json())


def test_the_monolith_keeps_its_legacy_contract(http: httpx.Client, running: Deployment) -> None:
    monolith = running.url("monolith")
    everyone = http.get(f"{monolith}/freelancers").json()
    assert [f["id"] for f in everyone][:6] == [1, 2, 3, 4, 5, 6]
    ada = {"id": 1, "name": "Ada Lovelace", "email": "ada@example.org", "rate": "EUR 650.00",
           "skills": "python,sql", "available": True}  # fmt: skip
    assert everyone[0] == ada
    pythonistas = http.get(f"{monolith}/freelancers", params={"skill": "python"}).json()
    assert [f["id"] for f in pythonistas] == [1, 3, 6]
    assert [f["id"] for f in http.get(f"{monolith}/freelancers?q=HOP").json()] == [2]
    missing = http.get(f"{monolith}/freelancers/77")
    assert (missing.status_code, missing.json()) == (404, {"error": "no freelancer 77"})
    bad = http.post(f"{monolith}/freelancers",
                    json={"name": "X", "email": "x@y", "rate": "650", "skills": "a"})  # fmt: skip
    assert bad.status_code == 422
    assert "EUR 650.00" in bad.text
    reports = http.get(f"{monolith}/freelancer-reports").json()
    assert reports[0] == {"freelancer_id": 1, "name": "Ada Lovelace", "days_worked": 18}
    for table, one in (("customers", 1), ("projects", 10), ("timesheets", 100), ("invoices", 1000)):
        assert http.get(f"{monolith}/{table}").status_code == 200
        assert http.get(f"{monolith}/{table}/{one}").json()["id"] == one
    served = stats(http, running, "monolith").served
    assert served["/customers/{rid}"] >= 1  # each table has routes of its own, counted apart


def test_the_new_service_starts_with_the_monoliths_freelancers_in_its_model(
    http: httpx.Client, running: Deployment
) -> None:
    new = running.url("freelancers")
    ada = http.get(f"{new}/freelancers/1").json()
    assert ada == {"id": 1, "name": "Ada Lovelace", "email": "ada@example.org",
                   "rate_cents": 65000, "currency": "EUR", "skills": ["python", "sql"],
                   "available": True}  # fmt: skip
    assert [f["id"] for f in http.get(f"{new}/freelancers?skill=python").json()][:3] == [1, 3, 6]
    body = {"name": "N", "email": "n@example.org", "rate_cents": 1, "currency": "EUR",
            "skills": []}  # fmt: skip
    made = http.post(f"{new}/freelancers", json=body)
    assert made.status_code == 201
    assert made.json()["id"] >= 1000  # clear of the monolith's ids
    legacy = http.post(f"{new}/freelancers", json={
        "name": "L", "email": "l@example.org", "rate": "EUR 1.00", "skills": "a"})  # fmt: skip
    assert legacy.status_code == 422
    assert "new model" in legacy.text
    # The copy at start used the migration export, not the routes legacy clients use.
    assert stats(http, running, "monolith").served["/migration/freelancers"] >= 1


def test_the_facade_forwards_through_the_learners_route_and_acl(
    http: httpx.Client, running: Deployment
) -> None:
    facade = running.url("facade")
    before = stats(http, running, "facade").calls
    assert (
        http.get(f"{facade}/freelancers/3").json()
        == http.get(f"{running.url('monolith')}/freelancers/3").json()
    )
    created = http.post(f"{facade}/freelancers", json={
        "name": "Mary Jackson", "email": "mj@example.org", "rate": "EUR 512.05",
        "skills": "wind-tunnels,math"})  # fmt: skip
    assert created.status_code == 201, created.text
    fid = created.json()["id"]
    own = http.get(f"{running.url('freelancers')}/freelancers/{fid}").json()
    assert (own["rate_cents"], own["currency"], own["skills"]) == (
        51205,
        "EUR",
        ["wind-tunnels", "math"],
    )
    assert http.get(f"{facade}/invoices/1000").json()["total"] == "EUR 11700.00"
    query = http.get(f"{facade}/freelancers", params={"skill": "math"}).json()
    assert [f["name"] for f in query] == ["Mary Jackson"]  # the query string is forwarded
    after = stats(http, running, "facade").calls
    assert after["freelancers"] - before["freelancers"] == 3
    assert after["monolith"] - before["monolith"] == 1


def test_a_body_that_is_not_json_is_refused_by_both_backends_alike(
    http: httpx.Client, running: Deployment
) -> None:
    headers = {"content-type": "application/json"}
    for url in (running.url("monolith"), running.url("facade")):
        answer = http.post(f"{url}/freelancers", content=b"{not json", headers=headers)
        assert (answer.status_code, answer.json()) == (422, {"detail": "the body is not JSON"})


def test_a_route_that_names_no_service_is_a_502_naming_it(
    http: httpx.Client, running: Deployment
) -> None:
    answer = http.get(f"{running.url('facade')}/typo")
    assert answer.status_code == 502
    assert answer.json()["error"] == "route() returned 'freelancer': not a service of this lab"


def test_strangler_raising_is_a_500_naming_its_line(
    http: httpx.Client, running: Deployment
) -> None:
    answer = http.get(f"{running.url('facade')}/boom")
    assert answer.status_code == 500
    line = STRANGLER.splitlines().index('        raise RuntimeError("boom for the test")') + 1
    assert f"strangler.py:{line}" in answer.text
