"""STRIDE lab: gateway overhead, rate-limit accuracy, audit lag and check time, on the solution.

Figures and their ratio to the targets of issue 16, not tests (a loaded machine only prints
slower figures):

- the gateway's overhead with the policy (token check, rate limit, forwarded identity, audit
  publish) over a direct, signed call to orders: p95 under 5 ms local;
- allowed requests under a 5 s flood from one customer: within ±10 % of the policy's limit
  (a burst of BURST, then RATE_PER_S a second);
- audit lag (the answer until its audit record is found): p95 printed;
- every check of every exercise, lab already running: under 25 s local, 40 s Docker;
- with `--selftest`, the self-test of the lab: under 150 s local.

    .venv/bin/python bench/bench_stride.py [--runtime local|docker|both] [--requests N]
                                           [--rounds N] [--selftest]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import importlib.util
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from workbench.checkrun.runner import run_checks  # noqa: E402
from workbench.lab import Lab, load_lab  # noqa: E402
from workbench.runtime.base import Deployment  # noqa: E402
from workbench.runtime.select import docker_available, get_runtime  # noqa: E402

OVERHEAD_TARGET_P95_MS = 5.0
FLOOD_TOLERANCE = 0.10
FLOOD_S = 5.0
CHECK_TARGET_S = {"local": 25.0, "docker": 40.0}
SELFTEST_TARGET_S = 150.0


def ratio(value: float, target: float) -> str:
    return f"ratio {value / target:.2f} ({'within' if value <= target else 'OUTSIDE'} target)"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def policy_module(lab: Lab) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_policy", lab.solution_dir / "policy.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def minted(key: bytes, sub: str) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "role": "customer", "exp": int(time.time()) + 600, "iss": "identity"}
    body = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{sig}"


def bench_overhead(deployment: Deployment, key: bytes, name: str, requests: int) -> None:
    """Alternate gateway and direct calls (the same GET), each customer fresh per 20 calls so
    the rate limit never answers; overhead = gateway p50/p95 minus direct p50/p95."""
    gateway, orders = deployment.url("gateway"), deployment.url("orders")
    via, direct = [], []
    with httpx.Client(timeout=5.0) as http:
        token = ""
        for n in range(requests):
            if n % 20 == 0:
                token = minted(key, f"bench-{uuid.uuid4().hex[:8]}")
            rid = uuid.uuid4().hex
            mac = b64(hmac.new(key, f"bench\ncustomer\n{rid}".encode(), hashlib.sha256).digest())
            headers = {"X-User": "bench", "X-Role": "customer", "X-Request-ID": rid,
                       "X-Identity-Signature": mac}  # fmt: skip
            began = time.perf_counter()
            http.get(f"{orders}/orders/987654321", headers=headers)
            direct.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            answer = http.get(f"{gateway}/orders/987654321",
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            via.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 404, answer.text
    p50 = statistics.median(via) - statistics.median(direct)
    p95 = pct(via, 0.95) - pct(direct, 0.95)
    print(f"[{name}] gateway overhead over a direct call ({requests} each): p50 {p50:.2f} ms, "
          f"p95 {p95:.2f} ms; {ratio(p95, OVERHEAD_TARGET_P95_MS)}")  # fmt: skip


def bench_flood(deployment: Deployment, key: bytes, policy: ModuleType, name: str) -> None:
    gateway = deployment.url("gateway")
    token = minted(key, f"flood-{uuid.uuid4().hex[:8]}")
    allowed = refused = 0
    with httpx.Client(timeout=5.0) as http:
        began = time.monotonic()
        while (elapsed := time.monotonic() - began) < FLOOD_S:
            answer = http.get(f"{gateway}/orders/987654321",
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            if answer.status_code == 429:
                refused += 1
            else:
                allowed += 1
    limit = policy.BURST + policy.RATE_PER_S * elapsed
    off = abs(allowed - limit) / limit
    print(f"[{name}] {FLOOD_S:g} s flood: {allowed} allowed, {refused} refused; the limit is "
          f"{limit:.0f} ({policy.BURST} + {policy.RATE_PER_S:g}/s): {off:.1%} off, "
          f"{'within' if off <= FLOOD_TOLERANCE else 'OUTSIDE'} "
          f"±{FLOOD_TOLERANCE:.0%}")  # fmt: skip


def bench_audit_lag(deployment: Deployment, name: str, requests: int) -> None:
    gateway, audit = deployment.url("gateway"), deployment.url("audit")
    lags = []
    with httpx.Client(timeout=5.0) as http:
        for _ in range(requests):
            answer = http.get(f"{gateway}/orders/1")  # anonymous: 401, recorded
            rid = answer.headers["x-request-id"]
            began = time.perf_counter()
            while not http.get(f"{audit}/audit", params={"request_id": rid}).json()["records"]:
                assert time.perf_counter() - began < 10, "an audit record never arrived"
                time.sleep(0.002)
            lags.append((time.perf_counter() - began) * 1000)
            time.sleep(0.1)  # stay under the anonymous rate limit
    print(f"[{name}] audit lag ({requests} requests): p50 {statistics.median(lags):.1f} ms, "
          f"p95 {pct(lags, 0.95):.1f} ms")  # fmt: skip


def bench_checks(lab: Lab, workspace: Path, deployment: Deployment, name: str, rounds: int) -> None:
    totals = []
    for n in range(1, rounds + 1):
        began = time.monotonic()
        run = run_checks(lab, workspace, deployment=deployment, exercises=None,
                         stop_at_failure=False)  # fmt: skip
        totals.append(time.monotonic() - began)
        counts = run.counts()
        print(f"[{name}] checks round {n}: {totals[-1]:5.2f} s ({counts['passed']} passed, "
              f"{counts['failed']} failed, {counts['error']} errors)")  # fmt: skip
        for result in run.results:
            if not result.ok:
                print(f"    ! {result.name}: {result.message}")
    median = statistics.median(totals)
    print(f"[{name}] checks median {median:.2f} s: {ratio(median, CHECK_TARGET_S[name])}")


def bench_selftest(lab: Lab, name: str) -> None:
    from workbench.authoring.selftest import selftest

    began = time.monotonic()
    report = selftest(lab, runtime=name)
    took = time.monotonic() - began
    bad = [v.variant for v in report.variants if not v.ok] + report.problems
    print(f"[{name}] self-test {'passed' if report.ok else 'FAILED ' + ', '.join(bad)} in "
          f"{took:.0f} s: {ratio(took, SELFTEST_TARGET_S)}")  # fmt: skip


def bench_runtime(lab: Lab, name: str, args: argparse.Namespace) -> None:
    runtime = get_runtime(name)
    key = lab.service("gateway").env["SIGNING_KEY"].encode()
    policy = policy_module(lab)
    with tempfile.TemporaryDirectory(prefix="bench-stride-") as tmp:
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        for file in ("policy.py", "threatmodel.yaml"):
            (workspace / file).write_bytes((lab.solution_dir / file).read_bytes())
        started = time.monotonic()
        deployment = runtime.up(lab, workspace, deadline=180)
        print(f"[{name}] lab started in {time.monotonic() - started:.1f} s (not counted)")
        try:
            bench_overhead(deployment, key, name, args.requests)
            bench_flood(deployment, key, policy, name)
            bench_audit_lag(deployment, name, 50)
            bench_checks(lab, workspace, deployment, name, args.rounds)
        finally:
            runtime.down(deployment)
    if args.selftest:
        bench_selftest(lab, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runtime", choices=("local", "docker", "both"), default="both")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--selftest", action="store_true")
    args = parser.parse_args()
    lab = load_lab(REPO / "labs" / "stride")
    names = ["local", "docker"] if args.runtime == "both" else [args.runtime]
    for name in names:
        if name == "docker" and not docker_available():
            print("[docker] no Docker engine answers: skipped")
            continue
        bench_runtime(lab, name, args)


if __name__ == "__main__":
    main()
