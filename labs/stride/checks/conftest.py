"""The `shop` fixture and the probes: the STRIDE lab driven from outside, as an attacker would.

Probes are plain functions `probe(shop)` that raise AssertionError with a sentence for the
learner when the shop does not keep a promise. Exercises 3 and 4 run them one by one; exercise 5
runs the ones the learner's threat model names (`PROBES`, by name). Tampered tokens are made here
with stdlib `hmac`/`base64`: the checks know the lab's signing key (it is in lab.yaml), as anyone
holding a copy of it would. Every probe judges what a client sees (statuses, bodies, headers)
and what the services did (their audit records, their stats), never how policy.py is written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import re
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from workbench.checks import eventually
from workbench.lab.model import Lab

PASSWORDS = {"alice": "wonderland", "bob": "builder", "carol": "admin-carol"}
AUDIT_WAIT_S = 2.0
BURST = 60
IDLE_S = 1.5
BUCKET = 30
REFILL_PER_S = 10
"""A bucket of about 30 that refills 10 a second lets 30 through, and what refills meanwhile."""
REFILL_WAIT_S = 1.0
REFILL_SENT = 7
BIG_BODY = 70 * 1024
FINE_BODY = 60 * 1024
LEAK_MARKERS = ("Traceback", 'File "', "http://", "https://", "127.0.0.1", "localhost", ".db",
                "sqlite", "identity_url", "/srv/", "/tmp/", "site-packages")  # fmt: skip
PORT = re.compile(r":\d{2,5}\b")
RATE_RETRIES = 4


def retry_after(response: httpx.Response) -> float:
    try:
        return max(0.1, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def design(lab: Lab) -> ModuleType:
    """The lab's `design/graph.py` (the threat-model reader), loaded once by file path."""
    name = "stride_design_graph"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, lab.path / "design" / "graph.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def make_token(claims: dict[str, Any], key: bytes | None, alg: str = "HS256") -> str:
    header = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims).encode())
    if key is None:
        return f"{header}.{payload}."
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def said(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f"{response.status_code} {text[:160]}{'…' if len(text) > 160 else ''}"


class Shop:
    def __init__(self, http: httpx.Client, url: Callable[[str], str], key: bytes,
                 stats: Any, faults: Any) -> None:  # fmt: skip
        self.http = http
        self.url = url
        self.key = key
        self.stats = stats
        self.faults = faults
        self._tokens: dict[str, str] = {}

    @property
    def gateway(self) -> str:
        return self.url("gateway")

    # -- tokens ---------------------------------------------------------------------------------

    def token(self, user: str) -> str:
        """A genuine token from identity, through the gateway, as a customer gets one."""
        if user not in self._tokens:
            response = self.http.post(
                f"{self.gateway}/token", json={"username": user, "password": PASSWORDS[user]}
            )
            assert response.status_code == 200, (
                f"{user} could not sign in through the gateway (POST /token answered "
                f"{said(response)}): /token must stay open to everyone"
            )
            self._tokens[user] = str(response.json()["access_token"])
        return self._tokens[user]

    def minted(self, sub: str, role: str = "customer", exp_in: float = 300.0) -> str:
        """A validly signed token for any subject (as identity would sign it)."""
        claims = {"sub": sub, "role": role, "exp": int(time.time() + exp_in), "iss": "identity"}
        return make_token(claims, self.key)

    # -- requests -------------------------------------------------------------------------------

    def call(self, method: str, path: str, token: str | None = None, *,
             json_body: Any = None, content: bytes | None = None,
             headers: dict[str, str] | None = None, base: str | None = None,
             retry_limited: bool = True) -> httpx.Response:  # fmt: skip
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        for _attempt in range(RATE_RETRIES):
            response = self.http.request(method, f"{base or self.gateway}{path}", json=json_body,
                                         content=content, headers=sent)  # fmt: skip
            if response.status_code != 429 or not retry_limited:
                break
            # The probes' own traffic is not the flood under test: a limit stricter than the
            # exercise asks for must not fail an unrelated probe, so wait as told, and again.
            time.sleep(min(retry_after(response), 2.0))
        return response

    def order(self, user: str) -> dict[str, Any]:
        response = self.call(
            "POST", "/orders", self.token(user), json_body={"items": [{"sku": "tea", "qty": 2}]}
        )
        assert response.status_code == 201, (
            f"{user} could not place an order through the gateway (POST /orders answered "
            f"{said(response)}): a signed-in customer must be able to shop"
        )
        return dict(response.json())

    def audit_records(self, request_id: str) -> list[dict[str, Any]]:
        response = self.http.get(f"{self.url('audit')}/audit", params={"request_id": request_id})
        response.raise_for_status()
        return [r["record"] for r in response.json()["records"]]


@pytest.fixture
def shop(http: httpx.Client, service_url: Callable[[str], str], lab: Lab, stats: Any,
         faults: Any) -> Shop:  # fmt: skip
    key = lab.service("gateway").env["SIGNING_KEY"].encode()
    return Shop(http, service_url, key, stats, faults)


# -- probes: S, T, E ------------------------------------------------------------------------------


def own_order_readable(shop: Shop, token: str | None = None, what: str = "") -> dict[str, Any]:
    """Alice reads her own order with her genuine token: the shop must still work."""
    order = shop.order("alice")
    response = shop.call("GET", f"/orders/{order['id']}", token or shop.token("alice"))
    assert response.status_code == 200, (
        f"alice reading her own order {order['id']}{what} got {said(response)}: refuse the "
        "attacker, not the customer"
    )
    return order


def refused_401(shop: Shop, token: str | None, what: str, path: str) -> None:
    response = shop.call("GET", path, token)
    assert response.status_code == 401, f"{what} on GET {path} got {said(response)}, not 401: " + (
        "the shop served it to someone who proved nothing"
        if response.status_code < 400
        else "it must be refused as unauthenticated"
    )


def orders_served(shop: Shop) -> int:
    """POST /orders requests orders has served since it started (its own count)."""
    return int(shop.stats("orders").snapshot().served.get("/orders", 0))


def probe_no_token(shop: Shop) -> None:
    order = own_order_readable(shop)
    refused_401(shop, None, "a request without a token", f"/orders/{order['id']}")
    before = orders_served(shop)
    response = shop.call("POST", "/orders", None, json_body={"items": [{"sku": "x", "qty": 1}]})
    assert response.status_code == 401, (
        f"POST /orders without a token got {said(response)}, not 401: anybody could order "
        "in someone's name"
    )
    assert orders_served(shop) == before, (
        "POST /orders without a token was passed on to orders (orders answered the 401 "
        "itself): the gateway must refuse an anonymous request before any backend sees it"
    )


def probe_bad_signature(shop: Shop) -> None:
    order = own_order_readable(shop)
    header, payload, _sig = shop.token("alice").split(".")
    forged = make_token(json.loads(unb64(payload)), b"a key the attacker guessed")
    refused_401(shop, forged, "alice's claims signed with the wrong key", f"/orders/{order['id']}")
    refused_401(
        shop,
        f"{header}.{payload}.{b64(b'x' * 32)}",
        "a token with a made-up signature",
        f"/orders/{order['id']}",
    )


def probe_alg_none(shop: Shop) -> None:
    order = own_order_readable(shop)
    claims = {"sub": "alice", "role": "customer", "exp": int(time.time()) + 300,
              "iss": "identity"}  # fmt: skip
    refused_401(
        shop,
        make_token(claims, None, alg="none"),
        "an unsigned token (alg: none, no signature)",
        f"/orders/{order['id']}",
    )
    refused_401(
        shop,
        make_token(claims, None, alg="HS256"),
        "a token claiming HS256 with an empty signature",
        f"/orders/{order['id']}",
    )


def probe_expired(shop: Shop) -> None:
    order = own_order_readable(shop, shop.minted("alice"), " with a fresh token")
    refused_401(
        shop,
        shop.minted("alice", exp_in=-60),
        "alice's token that expired a minute ago",
        f"/orders/{order['id']}",
    )
    no_exp = make_token({"sub": "alice", "role": "customer", "iss": "identity"}, shop.key)
    refused_401(
        shop,
        no_exp,
        "a signed token without `exp` (it would never expire)",
        f"/orders/{order['id']}",
    )


def probe_garbage_token(shop: Shop) -> None:
    own_order_readable(shop)
    lists = "Bearer " + b64(b"[1]") + "." + b64(b"[2]") + ".c2ln"
    for header, what in (
        ("Bearer garbage", "`Bearer garbage`"),
        ("Bearer a.b.c", "`Bearer a.b.c`"),
        ("Bearer " + "A" * 10 * 1024, "a 10 KiB token"),
        ("Bearer ###.%%%.!!!", "a token of punctuation"),
        (lists, "a token whose parts are JSON lists"),
        ("Basic YWxpY2U6d29uZGVybGFuZA==", "Basic credentials"),
    ):
        response = shop.call("GET", "/orders/1", headers={"Authorization": header})
        assert response.status_code == 401, (
            f"{what} in the Authorization header got {said(response)}, not 401: a header an "
            "attacker made up must be refused, never crash the gateway"
        )


def probe_edited_role(shop: Shop) -> None:
    own_order_readable(shop)
    header, payload, signature = shop.token("alice").split(".")
    claims = json.loads(unb64(payload))
    claims["role"] = "admin"
    edited = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    response = shop.call("GET", "/admin/orders", edited)
    assert response.status_code == 401, (
        f"alice's token with its payload edited to role admin (signature unchanged) got "
        f"{said(response)} on GET /admin/orders, not 401: "
        + (
            "she now sees every customer's orders"
            if response.status_code == 200
            else "the signature no longer matches the payload, so the token proves nothing"
        )
    )


def probe_admin_route(shop: Shop) -> None:
    response = shop.call("GET", "/admin/orders", shop.token("bob"))
    assert response.status_code == 403, (
        f"bob, a customer, got {said(response)} on GET /admin/orders, not 403: "
        + (
            "he sees every customer's orders"
            if response.status_code == 200
            else "he is signed in but not allowed there"
        )
    )
    response = shop.call("GET", "/admin/orders", shop.token("carol"))
    assert response.status_code == 200, (
        f"carol, the admin, got {said(response)} on GET /admin/orders: the admin route is hers"
    )


def probe_forged_forward(shop: Shop) -> None:
    own_order_readable(shop)
    orders = shop.url("orders")
    rid = uuid.uuid4().hex
    forged = {"X-User": "carol", "X-Role": "admin", "X-Request-ID": rid,
              "X-Identity-Signature": b64(b"s" * 32), "X-Forwarded-User": "carol"}  # fmt: skip
    response = shop.call("GET", "/admin/orders", headers=forged, base=orders)
    assert response.status_code == 401, (
        f"a direct call to orders (bypassing the gateway) with a forged `X-User: carol` got "
        f"{said(response)} on GET /admin/orders, not 401: "
        + (
            "anyone who can reach orders' port reads every order"
            if response.status_code == 200
            else "orders must not believe an identity it cannot verify"
        )
    )
    response = shop.call(
        "POST", "/orders", base=orders, json_body={"items": [{"sku": "x", "qty": 1}]},
        headers={"X-User": "alice", "X-Role": "customer"},
    )  # fmt: skip
    assert response.status_code == 401, (
        f"a direct POST to orders with a bare `X-User: alice` got {said(response)}, not 401: "
        "anyone could order in alice's name"
    )


# -- probes: R, I, D ------------------------------------------------------------------------------


def audit_of(shop: Shop, response: httpx.Response, subject: str, what: str) -> dict[str, Any]:
    rid = response.headers.get("x-request-id", "")
    assert rid, f"{what} came back without an X-Request-ID header"
    found: list[dict[str, Any]] = []

    def recorded() -> bool:
        found[:] = shop.audit_records(rid)
        return bool(found)

    eventually(recorded, within=AUDIT_WAIT_S, message=(
        f"{what} (answered {response.status_code}, request id {rid}) has no audit record "
        f"after {AUDIT_WAIT_S:g} s: nobody could later prove it happened"))  # fmt: skip
    record = found[-1]
    method, path = response.request.method, response.request.url.path
    expected = {"subject": subject, "method": method, "path": path,
                "status": response.status_code, "request_id": rid}  # fmt: skip
    wrong = [f"{k} {record.get(k)!r} (should be {v!r})" for k, v in expected.items()
             if record.get(k) != v]  # fmt: skip
    assert not wrong, f"the audit record of {what} has {', '.join(wrong)}: {record}"
    return record


def probe_audit_every_request(shop: Shop) -> None:
    order = shop.order("alice")
    allowed = shop.call("GET", f"/orders/{order['id']}", shop.token("alice"))
    audit_of(shop, allowed, "alice", "alice reading her order")
    unauth = shop.call("GET", f"/orders/{order['id']}", None)
    audit_of(shop, unauth, "anonymous", "a request without a token (refused)")
    forbidden = shop.call("GET", "/admin/orders", shop.token("bob"))
    audit_of(shop, forbidden, "bob", "bob on /admin/orders")


def probe_audit_chain(shop: Shop) -> None:
    response = shop.call("GET", "/orders/1", None)
    audit_of(shop, response, "anonymous", "a request without a token")
    verdict = shop.http.get(f"{shop.url('audit')}/audit/verify").json()
    assert verdict.get("ok") is True, f"the audit log's hash chain is broken: {verdict}"


def clean_error(response: httpx.Response, what: str) -> None:
    assert response.status_code >= 400, f"{what} answered {said(response)}, not an error"
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict) and set(body) == {"code", "message", "request_id"}, (
        f"{what} reached the client as {said(response)}: an error body is "
        "{code, message, request_id} and nothing else"
    )
    rid = response.headers.get("x-request-id")
    assert body["request_id"] == rid, (
        f"{what}: the error body's request_id {body['request_id']!r} is not the request's "
        f"({rid!r}), so support cannot find it in the logs"
    )
    text = json.dumps(body["message"]) + json.dumps(body["code"])
    leaked = [m for m in LEAK_MARKERS if m.lower() in text.lower()] + PORT.findall(text)
    assert not leaked, (
        f"{what}: the error body still tells an attacker about the inside ({', '.join(leaked)}): "
        f"{said(response)}"
    )


def probe_error_body(shop: Shop) -> None:
    response = shop.call("POST", "/orders", shop.token("alice"), json_body={"items": "lots"})
    clean_error(response, "a malformed order (orders fails with a traceback)")
    shop.faults.error_rate("orders", 1.0, route="/orders", method="GET")
    response = shop.call("GET", "/orders/1", shop.token("alice"))
    clean_error(response, "an orders outage (503 from orders)")


def probe_other_owner(shop: Shop) -> None:
    bobs = shop.order("bob")
    response = shop.call("GET", f"/orders/{bobs['id']}", shop.token("bob"))
    assert response.status_code == 200, (
        f"bob reading his own order {bobs['id']} got {said(response)}: owners read their orders"
    )
    response = shop.call("GET", f"/orders/{bobs['id']}", shop.token("alice"))
    assert response.status_code == 404, (
        f"alice reading bob's order {bobs['id']} got {said(response)}, not 404: "
        + (
            "she sees his items and his home address"
            if response.status_code == 200
            else "answer as if it did not exist, so nobody learns which orders exist"
        )
    )
    assert "Scaffold" not in response.text, "alice's answer carries bob's address"
    response = shop.call("GET", "/users/bob", shop.token("alice"))
    assert response.status_code in (403, 404) and "Scaffold" not in response.text, (
        f"alice asking for GET /users/bob got {said(response)}: a customer reads her own "
        "profile only, never another customer's address"
    )
    response = shop.call("GET", "/users/alice", shop.token("alice"))
    assert response.status_code == 200, f"alice reading her own profile got {said(response)}"


def most_allowed(took: float) -> int:
    """The most requests the exercise's limit lets through in `took` seconds from a full bucket,
    with a fifth to spare."""
    return int(BUCKET * 1.2 + REFILL_PER_S * 1.2 * took) + 1


def flood(send: Callable[[], httpx.Response], at_least: int = BURST,
          workers: int = 8) -> tuple[list[httpx.Response], float]:  # fmt: skip
    """`at_least` requests, `workers` at a time, and more while none was refused and what got
    through is still within what the limit allows for the time taken: on a slow machine the burst
    takes longer and the bucket refills meanwhile, so a burst of a fixed size may prove nothing.
    Returns the answers and the seconds they took (at most 4 × `at_least` requests)."""
    answers: list[httpx.Response] = []
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            n = max(at_least - len(answers), workers)
            answers += list(pool.map(lambda _: send(), range(n)))
            took = time.monotonic() - began
            if any(r.status_code == 429 for r in answers) or len(answers) > most_allowed(took):
                return answers, took
            if len(answers) >= 4 * at_least:
                return answers, took


def probe_rate_limit(shop: Shop) -> None:
    tag = uuid.uuid4().hex[:6]
    greedy, other = shop.minted(f"alice-{tag}"), shop.minted(f"bob-{tag}")
    path = "/orders/987654321"

    def one(token: str) -> httpx.Response:
        return shop.call("GET", path, token, retry_limited=False)

    first = one(greedy)
    assert first.status_code != 429, f"a customer's first request got {said(first)}"
    time.sleep(IDLE_S)  # an idle client's bucket fills up to the burst, and no further
    bursts, took = flood(lambda: one(greedy))
    # What refilled while the burst was being sent counts too, give or take a fifth.
    fewest = int(BUCKET * 0.9 + REFILL_PER_S * 0.8 * took)
    most = most_allowed(took)
    others = [one(other) for _ in range(3)]
    limited = [r for r in bursts if r.status_code == 429]
    allowed = len(bursts) - len(limited)
    assert limited, (
        f"a burst of {len(bursts)} requests from one customer in {took:.1f} s got no 429 "
        f"(statuses {sorted({r.status_code for r in bursts})}): one client can take the whole "
        "shop"
    )
    assert fewest <= allowed <= most, (
        f"{allowed} of a burst of {len(bursts)} (sent in {took:.1f} s, after {IDLE_S:g} s idle) "
        f"were let through: the exercise's limit (a burst of about {BUCKET}, then {REFILL_PER_S} a "
        f"second) lets {fewest} to {most} through"
    )
    retry = limited[0].headers.get("retry-after", "")
    assert retry.strip().isdigit() and int(retry) >= 1, (
        f"a 429 came without a usable Retry-After header ({retry!r}): tell the client when to "
        "come back"
    )
    refused = [r for r in others if r.status_code == 429]
    assert not refused, (
        f"another customer's requests in the same second got 429 ({len(refused)} of "
        f"{len(others)}): one customer's burst must not lock the others out"
    )
    time.sleep(REFILL_WAIT_S)
    later = [one(greedy) for _ in range(REFILL_SENT)]
    still = [r for r in later if r.status_code == 429]
    assert not still, (
        f"{REFILL_WAIT_S:g} s after the burst, {len(still)} of {REFILL_SENT} requests from the "
        "same customer still got 429: the bucket must refill at about 10 requests a second"
    )


def probe_body_size(shop: Shop) -> None:
    token = shop.token("alice")
    big = {"items": [{"sku": "tea", "qty": 1}], "note": "x" * BIG_BODY}
    before = orders_served(shop)
    response = shop.call("POST", "/orders", token, json_body=big)
    assert response.status_code == 413, (
        f"a {BIG_BODY // 1024} KiB order got {said(response)}, not 413: bodies over 64 KiB "
        "are refused at the gateway"
    )
    seen = orders_served(shop) - before
    assert seen == 0, (
        f"orders still received the {BIG_BODY // 1024} KiB body ({seen} POST /orders served): "
        "refuse it before forwarding"
    )
    fine = {"items": [{"sku": "tea", "qty": 1}], "note": "x" * FINE_BODY}
    response = shop.call("POST", "/orders", token, json_body=fine)
    assert response.status_code == 201, (
        f"a {FINE_BODY // 1024} KiB order got {said(response)}: the limit is 64 KiB, not less"
    )


PROBES: dict[str, Callable[[Shop], None]] = {
    "S-no-token": probe_no_token,
    "S-bad-signature": probe_bad_signature,
    "S-alg-none": probe_alg_none,
    "S-expired": probe_expired,
    "S-garbage-token": probe_garbage_token,
    "S-forged-forward": probe_forged_forward,
    "T-edited-role": probe_edited_role,
    "R-audit-every-request": probe_audit_every_request,
    "R-audit-chain": probe_audit_chain,
    "I-error-body": probe_error_body,
    "I-other-owner": probe_other_owner,
    "D-rate-limit": probe_rate_limit,
    "D-body-size": probe_body_size,
    "E-admin-route": probe_admin_route,
}


def threat_model(lab: Lab, workspace: Path) -> Any:
    return design(lab).load(workspace)
