"""Limits on payment proofs, so screenshots cannot be flooded at staff: at most
`PER_CHAT_HOUR` proofs from one chat an hour and `WAITING_PER_ORDER` waiting for one
order. Counted on the proofs themselves, checked again under the locks `submit` takes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import DomainError
from store.models import PaymentProof, ProofStatus

PER_CHAT_HOUR = 5
WAITING_PER_ORDER = 3
HOUR = timedelta(hours=1)


class TooManyProofs(DomainError):
    """`params`: `kind` ("chat" or "order") and, for "chat", `retry_at`."""

    code = "too_many_proofs"


def chat_retry_at(session: Session, chat_id: int | None, now: datetime) -> datetime | None:
    """When the chat may send its next proof, if it has sent its hour's share."""
    if chat_id is None:
        return None
    count, oldest = session.execute(
        select(func.count(), func.min(PaymentProof.created_at)).where(
            PaymentProof.chat_id == chat_id, PaymentProof.created_at > now - HOUR
        )
    ).one()
    return (oldest or now) + HOUR if count >= PER_CHAT_HOUR else None


def order_full(session: Session, order_id: int) -> bool:
    """Whether the order already has its share of proofs waiting for staff."""
    waiting = session.scalar(
        select(func.count()).where(
            PaymentProof.order_id == order_id,
            PaymentProof.status == ProofStatus.PENDING.value,
        )
    )
    return (waiting or 0) >= WAITING_PER_ORDER


def check(session: Session, order_id: int, chat_id: int | None, now: datetime) -> None:
    """Raise TooManyProofs when a new proof would pass either limit."""
    retry_at = chat_retry_at(session, chat_id, now)
    if retry_at is not None:
        raise TooManyProofs(kind="chat", retry_at=retry_at)
    if order_full(session, order_id):
        raise TooManyProofs(kind="order")
