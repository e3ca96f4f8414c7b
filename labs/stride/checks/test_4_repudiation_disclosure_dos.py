"""Exercise 4 (repudiation-disclosure-dos): audit records, error bodies, owners, rate limits and
body sizes, probed from outside (the probes are in conftest.py)."""

from __future__ import annotations

import pytest
from conftest import (
    Shop,
    probe_audit_chain,
    probe_audit_every_request,
    probe_body_size,
    probe_error_body,
    probe_other_owner,
    probe_rate_limit,
)

pytestmark = pytest.mark.exercise("repudiation-disclosure-dos")


@pytest.mark.hint(
    "audit_record returns {subject or 'anonymous', method, path, status, "
    "request_id} for every request, refused ones too."
)
def test_every_request_leaves_an_audit_record(shop: Shop) -> None:
    probe_audit_every_request(shop)


def test_the_audit_chain_verifies(shop: Shop) -> None:
    probe_audit_chain(shop)


@pytest.mark.hint("shape_error returns {code, message, request_id} and never the backend's body.")
def test_errors_reach_the_client_clean(shop: Shop) -> None:
    probe_error_body(shop)


@pytest.mark.hint("With `owner` given, allow the owner (or an admin), not any customer.")
def test_a_customer_cannot_read_another_ones_order(shop: Shop) -> None:
    probe_other_owner(shop)


@pytest.mark.hint("One bucket per subject: alice's burst must not empty bob's.")
def test_one_customers_burst_does_not_lock_out_the_others(shop: Shop) -> None:
    probe_rate_limit(shop)


def test_big_bodies_never_reach_orders(shop: Shop) -> None:
    probe_body_size(shop)
