"""Fault suite: 100 rounds of two staff approving the same proof at the same moment —
exactly one payment each round (SQLite and PostgreSQL)."""

from __future__ import annotations

from test_proof_decisions import _approver, _asha_and_colleague, _at_once, _payments_for, _submit

from store.db import unit_of_work
from store.errors import AlreadyDecided
from store.queries import order_by_number

ROUNDS = 100


def test_a_hundred_rounds_of_two_staff_approving_at_once(demo) -> None:
    staff_ids = _asha_and_colleague(demo, "Kiran", "+919800000008")
    for _ in range(ROUNDS):
        proof_id = _submit(demo, amount=100)
        results = _at_once(*(_approver(demo, proof_id, staff) for staff in staff_ids))
        assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "str"], results
        assert any(isinstance(r, AlreadyDecided) for r in results)
        assert _payments_for(demo, proof_id) == 1
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").paid_minor == ROUNDS * 100
