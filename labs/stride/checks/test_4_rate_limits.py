"""Exercise 4 (repudiation-disclosure-dos): the rate limit holds for callers without a token (a
password guesser has none) and over time, not only for one burst."""

from __future__ import annotations

import itertools
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from conftest import BUCKET, REFILL_PER_S, Shop, flood, retry_after, said

pytestmark = pytest.mark.exercise("repudiation-disclosure-dos")

GUESSES = 60
STEADY_S = 2.0
STEADY_EVERY_S = 0.02
STEADY_CLIENTS = 4
"""Four connections asking without a pause for two seconds: several times what the limit allows."""


@pytest.mark.hint(
    "A caller without a token is a client too: give it a bucket by its address, so a "
    "password guesser on POST /token meets the limit like everyone else."
)
def test_a_password_guesser_without_a_token_is_limited(shop: Shop) -> None:
    def guess(n: int) -> httpx.Response:
        return shop.call("POST", "/token", None, retry_limited=False,
                         json_body={"username": "alice", "password": f"guess-{n}"})  # fmt: skip

    guesses = itertools.count()  # thread-safe: each guess its own number
    answers, took = flood(lambda: guess(next(guesses)), GUESSES)
    limited = [r for r in answers if r.status_code == 429]
    assert limited, (
        f"{len(answers)} password guesses on POST /token in {took:.1f} s, without a token, got no "
        f"429 (statuses {sorted({r.status_code for r in answers})}): an attacker may guess "
        "passwords as fast as the shop answers"
    )
    assert retry_after(limited[0]) >= 1, (
        f"the guesser's 429 came without a usable Retry-After header: {said(limited[0])}"
    )
    time.sleep(BUCKET / REFILL_PER_S)  # the address's bucket is full again for the next checks


@pytest.mark.hint(
    "After a burst, a client gets about 10 requests a second, however long it keeps asking: "
    "refill the bucket by the time that passed, never empty it all at once."
)
def test_a_steady_stream_gets_about_ten_a_second(shop: Shop) -> None:
    token = shop.minted(f"steady-{uuid.uuid4().hex[:6]}")
    path = "/orders/987654321"

    def one(_: int = 0) -> httpx.Response:
        return shop.call("GET", path, token, retry_limited=False)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(BUCKET * 2)))  # the burst: the bucket is empty after it
    answers: list[httpx.Response] = []
    began = time.monotonic()

    def keep_asking() -> None:
        while time.monotonic() - began < STEADY_S:
            answers.append(one())
            time.sleep(STEADY_EVERY_S)

    with ThreadPoolExecutor(max_workers=STEADY_CLIENTS) as pool:
        for _ in range(STEADY_CLIENTS):
            pool.submit(keep_asking)
    took = time.monotonic() - began
    allowed = sum(1 for r in answers if r.status_code != 429)
    most = int(REFILL_PER_S * took * 1.5) + 2
    assert allowed <= most, (
        f"after emptying its bucket, a customer kept asking {len(answers)} times in "
        f"{took:.1f} s and {allowed} were let through: the limit is about {REFILL_PER_S} a "
        f"second once the burst is spent (at most {most} here)"
    )
    # A slow machine may send fewer than the limit allows: then at least half of them.
    fewest = min(int(REFILL_PER_S * took * 0.5), len(answers) // 2)
    assert allowed >= fewest, (
        f"after emptying its bucket, a customer kept asking {len(answers)} times in "
        f"{took:.1f} s and only {allowed} were let through: the bucket refills at about "
        f"{REFILL_PER_S} a second (at least {fewest} here)"
    )
