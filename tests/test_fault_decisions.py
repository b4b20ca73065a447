"""Fault suite: 100 rounds of two staff approving the same proof at the same moment —
exactly one payment each round (SQLite and PostgreSQL)."""

from __future__ import annotations

from test_proof_decisions import _at_once, _payments_for, _staff, _submit

from store import proofs
from store.db import unit_of_work
from store.errors import AlreadyDecided
from store.models import Staff
from store.queries import order_by_number

ROUNDS = 100


def test_a_hundred_rounds_of_two_staff_approving_at_once(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        asha = _staff(s, "+919800000001")
        colleague = Staff(business_id=asha.business_id, name="Kiran", phone="+919800000008")
        s.add(colleague)
        s.flush()
        staff_ids = (asha.id, colleague.id)

    def approve(proof_id: int, staff_id: int):
        def job() -> str:
            with unit_of_work(demo.sessions) as s:
                proofs.approve(s, proof_id, staff_id)
            return "approved"
        return job

    for _ in range(ROUNDS):
        proof_id = _submit(demo, amount=100)
        results = _at_once(*(approve(proof_id, staff) for staff in staff_ids))
        assert sorted(type(r).__name__ for r in results) == ["AlreadyDecided", "str"], results
        assert any(isinstance(r, AlreadyDecided) for r in results)
        assert _payments_for(demo, proof_id) == 1
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").paid_minor == ROUNDS * 100
