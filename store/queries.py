"""Reads the conversation and the pages need, each a bounded number of statements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from store.models import Business, Chat, Order, Staff, utcnow
from store.numbers import number_key


def order_by_number(session: Session, number: str) -> Order | None:
    """The order whose number matches `number` however it was spelled, with its
    business, items, payments and timeline loaded in a fixed number of queries."""
    return session.scalars(
        select(Order)
        .where(Order.number_key == number_key(number))
        .options(
            selectinload(Order.business),
            selectinload(Order.items),
            selectinload(Order.payments),
            selectinload(Order.events),
        )
    ).one_or_none()


def order_by_id(session: Session, order_id: int) -> Order | None:
    return session.scalars(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.business),
            selectinload(Order.items),
            selectinload(Order.payments),
            selectinload(Order.events),
        )
    ).one_or_none()


def orders_for_phone(session: Session, phone: str, limit: int = 10) -> list[Order]:
    """A phone's most recent orders across every business, newest first."""
    return list(
        session.scalars(
            select(Order)
            .where(Order.customer_phone == phone)
            .options(selectinload(Order.business))
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def staff_for_phone(session: Session, phone: str) -> list[Staff]:
    """The active staff memberships of a phone (one person may serve several businesses)."""
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.phone == phone, Staff.active.is_(True))
            .options(selectinload(Staff.business))
            .order_by(Staff.id)
        )
    )


def business_by_code(session: Session, code: str) -> Business | None:
    return session.scalars(select(Business).where(Business.code == code.upper())).one_or_none()


def business_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Business.code)))


def chat_for(
    session: Session, channel: str, address: str, now: datetime | None = None
) -> Chat:
    """The chat of (channel, address), created on first contact; safe when two
    workers see the same new sender at once (insert-or-ignore, then read)."""
    chat = session.scalars(
        select(Chat).where(Chat.channel == channel, Chat.address == address)
    ).one_or_none()
    if chat is not None:
        return chat
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(Chat)
        .values(
            channel=channel, address=address, state="idle", state_data={},
            created_at=now, updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["channel", "address"])
    )
    return session.scalars(
        select(Chat).where(Chat.channel == channel, Chat.address == address)
    ).one()
