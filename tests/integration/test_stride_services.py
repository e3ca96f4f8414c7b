"""The STRIDE lab's services on the real local runtime: what the lab's checks take for granted.

identity issues HS256 tokens the lab's key verifies; the gateway routes, refuses garbage with
401 and a non-JSON body with 400, and turns a raising policy.py into a 500 naming its line;
audit chains every record and `/audit/verify` finds an entry edited on disk; orders leaks its
traceback and internal addresses on a malformed order (the leak exercise 4 closes). One lab run,
on the solution's files, serves the module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from workbench.lab import Lab, load_lab
from workbench.runtime.base import Deployment
from workbench.runtime.local import LocalRuntime

STRIDE = Path(__file__).resolve().parents[2] / "labs" / "stride"
KEY = b"stride-lab-signing-key-2f9c"
T = TypeVar("T")


def eventually(check: Callable[[], T], within: float = 5.0, message: str = "") -> T:
    deadline = time.monotonic() + within
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, message or f"not true within {within} s"
        time.sleep(0.05)


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def lab() -> Lab:
    return load_lab(STRIDE)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stride-workspace")
    for name in ("policy.py", "threatmodel.yaml"):
        (folder / name).write_text((STRIDE / "solution" / name).read_text(encoding="utf-8"))
    return folder


@pytest.fixture(scope="module")
def running(lab: Lab, workspace: Path,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:  # fmt: skip
    state = tmp_path_factory.mktemp("stride-state")
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


def status_of(http: httpx.Client, url: str) -> httpx.Response | None:
    """The answer to a request with a (bad) token, or None while the service restarts (uvicorn
    reloads on a saved file)."""
    try:
        return http.get(url, headers={"Authorization": "Bearer x"})
    except httpx.TransportError:
        return None


def login(http: httpx.Client, running: Deployment, user: str, password: str) -> httpx.Response:
    return http.post(f"{running.url('gateway')}/token",
                     json={"username": user, "password": password})  # fmt: skip


def test_identity_issues_hs256_tokens_the_lab_key_verifies(
    running: Deployment, http: httpx.Client
) -> None:
    answer = login(http, running, "carol", "admin-carol")
    assert answer.status_code == 200, answer.text
    token = answer.json()["access_token"]
    head, body, sig = token.split(".")
    assert json.loads(unb64(head)) == {"alg": "HS256", "typ": "JWT"}
    claims = json.loads(unb64(body))
    assert claims["sub"] == "carol" and claims["role"] == "admin" and claims["iss"] == "identity"
    assert time.time() < claims["exp"] <= time.time() + 301
    expected = hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert unb64(sig) == expected
    wrong = login(http, running, "carol", "guess")
    assert wrong.status_code == 401
    assert set(wrong.json()) == {"code", "message", "request_id"}  # shaped by the gateway
    direct = http.post(f"{running.url('identity')}/token",
                       json={"username": "carol", "password": "guess"})  # fmt: skip
    assert direct.status_code == 401 and direct.json()["code"] == "bad_credentials"
    assert login(http, running, "mallory", "x").status_code == 401
    user = http.get(f"{running.url('identity')}/users/alice").json()
    assert user["address"].startswith("12 Rabbit Hole Lane")


def test_the_gateway_refuses_bad_input_plainly(running: Deployment, http: httpx.Client) -> None:
    gateway = running.url("gateway")
    for header in ("Bearer x", "Bearer " + "A" * 10240, "nonsense"):
        answer = http.get(f"{gateway}/orders/1", headers={"Authorization": header})
        assert answer.status_code == 401, (header[:20], answer.text)
    token = login(http, running, "alice", "wonderland").json()["access_token"]
    answer = http.post(f"{gateway}/orders", content=b"{not json",
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.status_code == 400
    assert set(answer.json()) == {"code", "message", "request_id"}
    assert http.get(f"{gateway}/nowhere").status_code == 404


def test_orders_leaks_its_inside_on_a_malformed_order(running: Deployment,
                                                      http: httpx.Client) -> None:  # fmt: skip
    rid = uuid.uuid4().hex
    mac = b64(hmac.new(KEY, f"alice\ncustomer\n{rid}".encode(), hashlib.sha256).digest())
    headers = {"X-User": "alice", "X-Role": "customer", "X-Request-ID": rid,
               "X-Identity-Signature": mac}  # fmt: skip
    answer = http.post(f"{running.url('orders')}/orders", json={"items": "lots"}, headers=headers)
    assert answer.status_code == 500
    body = answer.json()
    assert "Traceback" in body["traceback"]
    assert body["identity_url"] == running.url("identity").rstrip("/")
    assert body["database"].endswith("orders.db")
    # Through the gateway, the solution's shape_error keeps all of it in.
    token = login(http, running, "alice", "wonderland").json()["access_token"]
    shaped = http.post(f"{running.url('gateway')}/orders", json={"items": "lots"},
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert shaped.status_code == 500 and set(shaped.json()) == {"code", "message", "request_id"}


def test_audit_chains_every_record_and_verify_finds_an_edit(
    running: Deployment, http: httpx.Client
) -> None:
    gateway, audit = running.url("gateway"), running.url("audit")
    answer = http.get(f"{gateway}/orders/1")  # anonymous: refused, and recorded
    rid = answer.headers["x-request-id"]
    records = eventually(lambda: http.get(f"{audit}/audit", params={"request_id": rid})
                         .json()["records"], message="no audit record")  # fmt: skip
    assert records[0]["record"] == {"subject": "anonymous", "method": "GET", "path": "/orders/1",
                                    "status": 401, "request_id": rid}  # fmt: skip
    verdict = http.get(f"{audit}/audit/verify").json()
    assert verdict["ok"] is True and verdict["records"] >= 1
    db = sqlite3.connect(running.run_dir / "data" / "audit" / "audit.db")
    try:
        seq = records[0]["seq"]
        edited = json.dumps({**records[0]["record"], "subject": "carol"}, sort_keys=True)
        db.execute("UPDATE entries SET record = ? WHERE seq = ?", (edited, seq))
        db.commit()
        broken = http.get(f"{audit}/audit/verify").json()
        assert broken["ok"] is False and broken["broken_at"] == seq
        assert "changed" in broken["problem"]
    finally:
        original = json.dumps(records[0]["record"], sort_keys=True)
        db.execute("UPDATE entries SET record = ? WHERE seq = ?", (original, records[0]["seq"]))
        db.commit()
        db.close()
    assert http.get(f"{audit}/audit/verify").json()["ok"] is True


def test_a_raising_policy_is_a_500_naming_its_line(
    running: Deployment, http: httpx.Client, workspace: Path
) -> None:
    policy = workspace / "policy.py"
    good = policy.read_text(encoding="utf-8")
    first = '    scheme, _, token = authorization.partition(" ")'
    assert first in good
    policy.write_text(good.replace(first, '    raise RuntimeError("boom")\n' + first))
    try:

        def failing() -> httpx.Response | None:
            answer = status_of(http, f"{running.url('gateway')}/orders/1")
            return answer if answer is not None and answer.status_code == 500 else None

        answer = eventually(
            failing, within=30, message="the gateway never loaded the raising policy"
        )
        assert "policy.py:" in answer.json()["where"]
        assert "RuntimeError: boom" in answer.json()["error"]
    finally:
        policy.write_text(good, encoding="utf-8")

    def healed() -> bool:
        answer = status_of(http, f"{running.url('gateway')}/orders/1")
        return answer is not None and answer.status_code == 401

    eventually(healed, within=30)
