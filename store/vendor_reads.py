"""Reads the vendor API needs beyond the conversation's (store/queries.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.models import Order, OrderKind, PaymentProof, ProofStatus
from store.numbers import number_key
from store.queries import order_by_id


def business_order(
    session: Session, business_id: int, number: str, kind: str = OrderKind.ORDER.value
) -> Order | None:
    """The business's order (or, with `kind="booking"`, booking) of that number (any
    spelling), fully loaded and read afresh; another business's, or the other kind, is
    as good as missing."""
    order_id = session.scalar(
        select(Order.id).where(
            Order.number_key == number_key(number), Order.business_id == business_id,
            Order.kind == kind,
        )
    )
    if order_id is None:
        return None
    session.expire_all()  # a change earlier in this transaction must show in the read
    return order_by_id(session, order_id)


def proofs_of(session: Session, order_id: int) -> list[PaymentProof]:
    return list(
        session.scalars(
            select(PaymentProof).where(PaymentProof.order_id == order_id).order_by(PaymentProof.id)
        )
    )


def proofs_waiting(session: Session, business_id: int) -> list[PaymentProof]:
    """The business's proofs nobody has decided yet, oldest first."""
    return list(
        session.scalars(
            select(PaymentProof)
            .where(
                PaymentProof.business_id == business_id,
                PaymentProof.status == ProofStatus.PENDING.value,
            )
            .options(selectinload(PaymentProof.order))
            .order_by(PaymentProof.created_at, PaymentProof.id)
        )
    )


LIST_LIMIT = 500  # the newest so many, oldest first


def business_proofs(session: Session, business_id: int, status: str | None) -> list[PaymentProof]:
    """The business's proofs of one status (None: every status), oldest first."""
    query = select(PaymentProof).where(PaymentProof.business_id == business_id)
    if status is not None:
        query = query.where(PaymentProof.status == status)
    newest = list(session.scalars(
        query.options(selectinload(PaymentProof.order),
                      selectinload(PaymentProof.statement_credit))
        .order_by(PaymentProof.id.desc()).limit(LIST_LIMIT)
    ))
    return newest[::-1]


def business_proof(session: Session, business_id: int, number: int) -> PaymentProof | None:
    if not 0 < number < 2**31:
        return None
    return session.scalars(
        select(PaymentProof).where(PaymentProof.business_id == business_id,
                                   PaymentProof.number == number)
        .options(selectinload(PaymentProof.order), selectinload(PaymentProof.statement_credit))
    ).one_or_none()
