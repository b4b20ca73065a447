"""The conversation's own reads and small writes (those of store/queries.py aside):
who follows an order, the staff's open orders, an order's timeline and proofs, a
business's lookup check. handlers/ writes no SQL; it calls these."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from store.db import insert_for
from store.models import Business, Order, OrderKind, OrderWatch, PaymentProof, Staff, StatusEvent
from store.orders import OPEN


def watch(session: Session, chat_id: int, order_id: int, now: datetime) -> None:
    """The chat follows the order; following it twice is following it once (the
    unique index decides between racing taps)."""
    session.execute(
        insert_for(session)(OrderWatch)
        .values(chat_id=chat_id, order_id=order_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["chat_id", "order_id"])
    )


def unwatch(session: Session, chat_id: int, order_id: int | None = None) -> int:
    """The chat stops following the order (every order, without one): how many it followed."""
    query = delete(OrderWatch).where(OrderWatch.chat_id == chat_id)
    if order_id is not None:
        query = query.where(OrderWatch.order_id == order_id)
    return session.execute(query).rowcount


def is_watching(session: Session, chat_id: int, order_id: int) -> bool:
    found = session.scalar(
        select(OrderWatch.id).where(OrderWatch.chat_id == chat_id, OrderWatch.order_id == order_id)
    )
    return found is not None


def open_orders(session: Session, business_ids: Iterable[int], limit: int) -> list[Order]:
    """The businesses' open orders, oldest first, at most `limit`."""
    query = (
        select(Order)
        .where(Order.business_id.in_(list(business_ids)), Order.status.in_(list(OPEN)),
               Order.kind == OrderKind.ORDER.value)
        .order_by(Order.created_at, Order.id)
    )
    return list(session.scalars(query.limit(limit)))


def latest_events(session: Session, order_id: int, limit: int) -> list[StatusEvent]:
    """The order's last `limit` timeline entries, newest first."""
    return list(session.scalars(
        select(StatusEvent)
        .where(StatusEvent.order_id == order_id)
        .order_by(StatusEvent.created_at.desc(), StatusEvent.id.desc())
        .limit(limit)
    ))


def last_event(session: Session, order_id: int) -> StatusEvent | None:
    """The order's timeline entry written last."""
    return session.scalars(
        select(StatusEvent).where(StatusEvent.order_id == order_id).order_by(StatusEvent.id.desc())
    ).first()


def order_proofs(session: Session, order_id: int) -> list[PaymentProof]:
    return list(session.scalars(
        select(PaymentProof).where(PaymentProof.order_id == order_id).order_by(PaymentProof.id)
    ))


def unlink_staff_account(session: Session, user_id: int) -> None:
    """The chat platform's account `user_id` is no staff member's any more."""
    for staff in session.scalars(select(Staff).where(Staff.platform_user_id == user_id)):
        staff.platform_user_id = None


def lookup_checks(session: Session, business_codes: list[str]) -> set[str]:
    """The checks the businesses of these codes ask before showing an order by number,
    in one statement (a code no business has adds nothing)."""
    return set(
        session.scalars(select(Business.lookup_check).where(Business.code.in_(business_codes)))
    )
