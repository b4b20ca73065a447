"""Proofs with nothing left to decide: a screenshot still waiting when its order is
paid in full or cancelled is closed (by itself, or by a staff member's `close N`),
and every staff member who was asked about it is told, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import outbox, timeline
from store.models import Order, OrderStatus, OutboxMessage, PaymentProof, ProofStatus

PROMPT = "proof_prompt"
DECIDED = "proof_decided"  # to the staff asked about a proof that a colleague decided


def settled(order: Order) -> bool:
    """Whether a proof on `order` has nothing to decide: nothing is due, or it is cancelled."""
    return order.status == OrderStatus.CANCELLED or order.due_minor <= 0


def close_settled(
    session: Session, order: Order, staff_id: int | None, now: datetime
) -> list[int]:
    """Close every proof still waiting on `order` once it is settled; the ids closed."""
    if not settled(order):
        return []
    waiting = session.scalars(
        select(PaymentProof.id).where(
            PaymentProof.order_id == order.id, PaymentProof.status == ProofStatus.PENDING.value
        ).order_by(PaymentProof.id)
    ).all()
    return [pid for pid in waiting if close(session, order, pid, staff_id, "", now)]


def close(
    session: Session, order: Order, proof_id: int, staff_id: int | None, actor: str,
    now: datetime,
) -> bool:
    """Move one waiting proof to closed (a conditional update: a racing decision wins or
    loses cleanly); False when it was no longer waiting. `actor` names a staff member
    who closed it by hand; empty when it closed by itself."""
    why = "cancelled" if order.status == OrderStatus.CANCELLED else "paid"
    won = session.execute(
        update(PaymentProof)
        .where(PaymentProof.id == proof_id, PaymentProof.status == ProofStatus.PENDING.value)
        .values(status=ProofStatus.CLOSED.value, decided_at=now, reason=why,
                decided_by_staff_id=staff_id if actor else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        return False
    proof = session.get(PaymentProof, proof_id, populate_existing=True)
    timeline.add_event(
        session, order, "proof", now, to_status=ProofStatus.CLOSED.value,
        detail={"proof_id": proof_id, "proof": proof.number, "decision": "closed",
                "reason": why},
        actor=actor or "system", staff_id=staff_id if actor else None,
    )
    tell_prompted(session, proof, staff_id if actor else None, now)
    return True


def tell_prompted(
    session: Session, proof: PaymentProof, staff_id: int | None, now: datetime
) -> None:
    """Everyone asked about the proof (but `staff_id`, who decided it) hears that it is
    decided, after the prompt (one recipient's messages keep their order); once each."""
    prompts = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == PROMPT,
            OutboxMessage.order_id == proof.order_id,
            OutboxMessage.idempotency_key.like(f"proof:{proof.id}:prompt:chat:%"),
        ).order_by(OutboxMessage.id)
    )
    for prompt in prompts:
        if staff_id is not None and prompt.payload.get("staff_id") == staff_id:
            continue
        outbox.enqueue(
            session,
            channel=prompt.channel,
            address=prompt.address,
            chat_id=prompt.chat_id,
            kind=DECIDED,
            payload={"proof_id": proof.id},
            key=f"proof:{proof.id}:decided:chat:{prompt.chat_id or prompt.address}",
            order_id=proof.order_id,
            now=now,
        )
