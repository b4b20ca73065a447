"""A proof is decided once, by its own business's active staff, on SQLite and PostgreSQL;
at the same moment from two workers, exactly one payment is recorded."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import FIXTURES, requires_postgres

from store import media as media_store
from store import proofs
from store.db import unit_of_work
from store.errors import AlreadyDecided, Forbidden, OrderCancelled, Overpayment
from store.models import Payment, PaymentProof, Staff
from store.orders import Actor, set_status
from store.queries import order_by_number

RECEIPT = (FIXTURES / "images" / "upi-payment-250.png").read_bytes()


def _staff(session, phone: str) -> Staff:
    return session.scalars(select(Staff).where(Staff.phone == phone)).one()


def _submit(runtime, number: str = "AK-1003", amount: int = 100) -> int:
    with unit_of_work(runtime.sessions) as s:
        stored = media_store.store(s, Path(runtime.settings.media_dir), RECEIPT)
        order = order_by_number(s, number)
        return proofs.submit(s, order, stored, amount, chat_id=None, now=runtime.clock()).proof.id


def _payments_for(runtime, proof_id: int) -> int:
    with unit_of_work(runtime.sessions) as s:
        return s.scalar(select(func.count()).select_from(Payment).where(Payment.proof_id == proof_id))


def test_second_decision_changes_nothing_and_names_the_first(demo) -> None:
    proof_id = _submit(demo)
    with unit_of_work(demo.sessions) as s:
        proofs.approve(s, proof_id, _staff(s, "+919800000001").id, now=demo.clock())
    for decide in (proofs.approve, proofs.reject):
        with unit_of_work(demo.sessions) as s, pytest.raises(AlreadyDecided) as already:
            decide(s, proof_id, _staff(s, "+919800000001").id)
        assert already.value.params["by"] == "Asha" and already.value.params["status"] == "approved"
    assert _payments_for(demo, proof_id) == 1


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_colleagues_asked_hear_who_decided_and_the_decider_does_not(demo, decision) -> None:
    from handlers import notices
    from store.models import OutboxMessage

    with unit_of_work(demo.sessions) as s:
        asha = _staff(s, "+919800000001")
        s.add(Staff(business_id=asha.business_id, name="Ravi Cook", phone="+919800000009"))
    proof_id = _submit(demo)
    with unit_of_work(demo.sessions) as s:
        getattr(proofs, decision)(s, proof_id, _staff(s, "+919800000001").id, now=demo.clock())
    with unit_of_work(demo.sessions) as s:
        prompted = sorted(s.scalars(select(OutboxMessage.address).where(
            OutboxMessage.kind == "proof_prompt")))
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "proof_decided")).all()
        assert prompted == ["+919800000001", "+919800000009"]
        assert [m.address for m in told] == ["+919800000009"]
        text = notices.render(s, told[0])[0].text
    verb = "approved" if decision == "approve" else "rejected"
    assert f"Proof 1 for AK-1003 was {verb} by Asha" in text and "Nothing more to do" in text
    assert ("₹1.00 recorded" in text) == (decision == "approve")  # 100 paise


def test_other_business_and_removed_staff_are_forbidden(demo) -> None:
    proof_id = _submit(demo)
    with unit_of_work(demo.sessions) as s, pytest.raises(Forbidden):
        proofs.approve(s, proof_id, _staff(s, "+919800000002").id)
    with unit_of_work(demo.sessions) as s:
        _staff(s, "+919800000001").active = False
    with unit_of_work(demo.sessions) as s, pytest.raises(Forbidden):
        proofs.reject(s, proof_id, _staff(s, "+919800000001").id)
    with unit_of_work(demo.sessions) as s:
        assert s.get(PaymentProof, proof_id).status == "pending"


def test_a_refused_approval_leaves_the_proof_pending(demo) -> None:
    proof_id = _submit(demo)
    with unit_of_work(demo.sessions) as s:
        with pytest.raises(Overpayment):
            proofs.approve(s, proof_id, _staff(s, "+919800000001").id, amount_minor=99_900_00)
        assert s.get(PaymentProof, proof_id, populate_existing=True).status == "pending"


def test_cancelling_the_order_closes_its_waiting_proof(demo) -> None:
    """Issue 16.3: nothing is left to decide, so the proof is closed, not approved."""
    proof_id = _submit(demo)
    with unit_of_work(demo.sessions) as s:
        set_status(s, order_by_number(s, "AK-1003"), "cancelled", Actor("Asha"))
    with unit_of_work(demo.sessions) as s:
        assert s.get(PaymentProof, proof_id, populate_existing=True).status == "closed"
        with pytest.raises((AlreadyDecided, OrderCancelled)):
            proofs.approve(s, proof_id, _staff(s, "+919800000001").id)


def test_proof_numbers_count_per_business(demo) -> None:
    first, second = _submit(demo), _submit(demo)
    bakery = _submit(demo, "SB-2001")
    with unit_of_work(demo.sessions) as s:
        numbers = [s.get(PaymentProof, i).number for i in (first, second, bakery)]
    assert numbers == [1, 2, 1]


def _at_once(*jobs) -> list[object]:
    """Run the jobs in threads released together; each result or the exception raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(n: int) -> None:
        barrier.wait()
        try:
            results[n] = jobs[n]()
        except Exception as exc:  # the outcome under test
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _asha_and_colleague(runtime, name: str, phone: str) -> tuple[int, int]:
    """Asha's staff id, and that of a colleague added to her business."""
    with unit_of_work(runtime.sessions) as s:
        asha = _staff(s, "+919800000001")
        colleague = Staff(business_id=asha.business_id, name=name, phone=phone)
        s.add(colleague)
        s.flush()
        return asha.id, colleague.id


def _approver(runtime, proof_id: int, staff_id: int):
    """A job approving the proof as the staff member, in a transaction of its own."""
    def job() -> str:
        with unit_of_work(runtime.sessions) as s:
            proofs.approve(s, proof_id, staff_id)
        return "approved"
    return job


@requires_postgres
def test_two_workers_approving_at_once_record_exactly_one_payment(demo) -> None:
    asha, colleague_id = _asha_and_colleague(demo, "Ravi Cook", "+919800000009")
    for _ in range(15):
        proof_id = _submit(demo, amount=100)
        results = _at_once(*(_approver(demo, proof_id, staff) for staff in (asha, colleague_id)))
        assert sorted(map(type, results), key=str) == sorted([str, AlreadyDecided], key=str), results
        assert _payments_for(demo, proof_id) == 1
    with unit_of_work(demo.sessions) as s:
        assert order_by_number(s, "AK-1003").paid_minor == 15 * 100


@requires_postgres
def test_approve_and_reject_at_once_one_wins(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        asha = _staff(s, "+919800000001").id

    def decide(fn, proof_id: int):
        def job() -> str:
            with unit_of_work(demo.sessions) as s:
                return fn(s, proof_id, asha).proof.status
        return job

    for _ in range(10):
        proof_id = _submit(demo, amount=100)
        results = _at_once(decide(proofs.approve, proof_id), decide(proofs.reject, proof_id))
        winners = [r for r in results if isinstance(r, str)]
        assert len(winners) == 1 and any(isinstance(r, AlreadyDecided) for r in results)
        assert _payments_for(demo, proof_id) == (1 if winners == ["approved"] else 0)


@requires_postgres
def test_proofs_submitted_at_once_get_different_numbers(demo) -> None:
    # Two orders, as an order holds at most 3 waiting proofs (store/proof_limits.py).
    results = _at_once(*[lambda n=n: _submit(demo, n) for n in ("AK-1003", "AK-1001") * 2])
    with unit_of_work(demo.sessions) as s:
        numbers = sorted(s.get(PaymentProof, i).number for i in results)
    assert numbers == [1, 2, 3, 4]
