"""Exercise 3 (spoofing-tampering-elevation): a token is believed only from the issuer the shop
trusts, even when the signature checks out (another system may share the key by mistake)."""

from __future__ import annotations

import time

import pytest
from conftest import Shop, make_token, own_order_readable, refused_401

pytestmark = pytest.mark.exercise("spoofing-tampering-elevation")


@pytest.mark.hint("Check `iss` too: the claims count only when identity issued them.")
def test_a_token_from_another_issuer_is_refused(shop: Shop) -> None:
    order = own_order_readable(shop)
    claims = {"sub": "alice", "role": "customer", "exp": int(time.time() + 300),
              "iss": "partner-portal"}  # fmt: skip
    refused_401(shop, make_token(claims, shop.key), "a token issued by 'partner-portal', not "
                "identity, but signed with the same key", f"/orders/{order['id']}")  # fmt: skip
