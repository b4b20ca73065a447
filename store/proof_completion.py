"""A proof that waited — for its reading, or for the customer to give its amount —
completed: what was read is kept and checked (store/proof_checks.py), then the staff
prompt goes out (once: the outbox key) and the bank statement is matched
(store/proofs.match_statement). Each step is a conditional update, so a proof is
completed once whoever is first (a reader, the time budget, the customer's tap)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from store import outbox, proof_checks, proofs
from store.models import Chat, PaymentProof
from store.proof_reading import Reading


def finish(
    session: Session,
    proof_id: int,
    reading: Reading | None,
    state: str,
    staff_channels: tuple[str, ...],
    now: datetime,
) -> bool:
    """Keep what was read, raise its flags and queue the staff prompt; False when the
    proof was finished already (by another reader, or the budget)."""
    won = session.execute(
        update(PaymentProof)
        .where(PaymentProof.id == proof_id, PaymentProof.read_state == proof_checks.QUEUED)
        .values(read_state=state, read_lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return False
    proof = proofs.proof_by_id(session, proof_id)
    if reading is not None:
        proof.reading = _stored(reading)
        if reading.utr and not proof.utr:
            proof.utr = proof_checks.normalise_utr(reading.utr)
    proof.flags = [*(proof.flags or []), *proof_checks.checks(session, proof, reading, state)]
    session.flush()
    if proof.claimed_minor is None:
        _ask_customer(session, proof, now)  # staff are asked once the amount is known
        return True
    proofs.queue_prompt(session, proof, staff_channels, now)
    proofs.match_statement(session, proof, now)
    return True


def _ask_customer(session: Session, proof: PaymentProof, now: datetime) -> None:
    """The caption had no amount: offer the one read for one tap, else ask for it."""
    chat = session.get(Chat, proof.chat_id) if proof.chat_id else None
    if chat is None:
        return
    read = (proof.reading or {}).get("amount_minor")
    kind = proof_checks.CONFIRM if read else proof_checks.ASK
    outbox.enqueue_for(session, chat, kind=kind, payload={"proof_id": proof.id},
                       key=f"proof:{proof.id}:{kind}", order_id=proof.order_id, now=now)
    if read:  # where buttons are numbers, "1" / "2" answer it
        chat.state_data = {**(chat.state_data or {}),
                           "choices": [f"proofyes:{proof.id}", f"proofchange:{proof.id}"]}


def confirm_claim(
    session: Session, proof_id: int, amount_minor: int, staff_channels: tuple[str, ...],
    now: datetime,
) -> PaymentProof | None:
    """The customer gave (or confirmed) the amount: kept once, checked, staff asked.
    None when the proof has its amount already."""
    won = session.execute(
        update(PaymentProof)
        .where(PaymentProof.id == proof_id, PaymentProof.claimed_minor.is_(None))
        .values(claimed_minor=amount_minor)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return None
    proof = proofs.proof_by_id(session, proof_id)
    flags = list(proof.flags or [])
    read = (proof.reading or {}).get("amount_minor")
    if read is not None and read != amount_minor:
        flags.append({"kind": "amount_mismatch", "read_minor": read})
    if amount_minor > proof.order.due_minor:
        flags.insert(0, {"kind": "over_due", "due_minor": proof.order.due_minor})
    proof.flags = flags
    session.flush()
    proofs.queue_prompt(session, proof, staff_channels, now)
    proofs.match_statement(session, proof, now)
    return proof


def _stored(reading: Reading) -> dict:
    fields = reading.as_dict()
    if reading.paid_at is not None:
        fields["paid_at"] = reading.paid_at.isoformat()
    return fields
