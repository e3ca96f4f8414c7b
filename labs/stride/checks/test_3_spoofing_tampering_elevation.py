"""Exercise 3 (spoofing-tampering-elevation): tokens, roles and the forwarded identity, probed
from outside as an attacker would (the probes are in conftest.py)."""

from __future__ import annotations

import pytest
from conftest import (
    Shop,
    probe_admin_route,
    probe_alg_none,
    probe_bad_signature,
    probe_edited_role,
    probe_expired,
    probe_forged_forward,
    probe_garbage_token,
    probe_no_token,
)

pytestmark = pytest.mark.exercise("spoofing-tampering-elevation")


def test_no_token_is_refused(shop: Shop) -> None:
    probe_no_token(shop)


@pytest.mark.hint(
    "Recompute HMAC-SHA256(key, header.payload) and compare it with "
    "hmac.compare_digest before trusting any claim."
)
def test_a_bad_signature_is_refused(shop: Shop) -> None:
    probe_bad_signature(shop)


@pytest.mark.hint("Refuse every alg but HS256: the token does not get to choose how it is checked.")
def test_an_unsigned_token_is_refused(shop: Shop) -> None:
    probe_alg_none(shop)


@pytest.mark.hint("Compare `exp` with `now` and refuse a token without one.")
def test_an_expired_token_is_refused(shop: Shop) -> None:
    probe_expired(shop)


def test_garbage_never_crashes_the_gateway(shop: Shop) -> None:
    probe_garbage_token(shop)


def test_an_edited_role_is_refused(shop: Shop) -> None:
    probe_edited_role(shop)


def test_customers_stay_off_the_admin_route(shop: Shop) -> None:
    probe_admin_route(shop)


@pytest.mark.hint(
    "forwarded_headers signs user, role and request id with the key; "
    "verify_forwarded recomputes that signature and believes nothing else."
)
def test_a_forged_forwarded_identity_is_refused(shop: Shop) -> None:
    probe_forged_forward(shop)
