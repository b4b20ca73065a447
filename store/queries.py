"""Reads the conversation and the pages need, each a bounded number of statements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

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


def order_for_view(session: Session, number: str) -> Order | None:
    """The order `number` names with just what the chat's view shows (two statements:
    the order with its business, then its items)."""
    return session.scalars(
        select(Order)
        .where(Order.number_key == number_key(number))
        .options(joinedload(Order.business), selectinload(Order.items))
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
    session: Session, channel: str, address: str, now: datetime | None = None, **changes: Any
) -> Chat:
    """The chat of (channel, address) with `changes` applied, created on first contact:
    one upsert statement, safe when two workers see the same new sender at once. A
    `locale` in `changes` only fills an unknown language, never replaces a chosen one;
    a `linked_phone` (the channel's own) never replaces another phone the chat proved
    by a one-time code while that link lasts (30 days, or until "forget me")."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Chat).values(
        channel=channel, address=address, state="idle", state_data={}, lookup_misses=0,
        created_at=now, updated_at=now, **changes,
    )
    updates: dict[str, Any] = {name: stmt.excluded[name] for name in changes if name != "locale"}
    if "locale" in changes:
        updates["locale"] = func.coalesce(Chat.locale, stmt.excluded.locale)
    if "linked_phone" in changes:
        proven_by_code = (
            Chat.linked_phone.is_not(None)
            & (Chat.linked_phone != stmt.excluded.linked_phone)
            & (Chat.linked_until > now)
        )
        for name in ("linked_phone", "linked_until"):
            updates[name] = case((proven_by_code, getattr(Chat, name)), else_=stmt.excluded[name])
    updates["updated_at"] = stmt.excluded.updated_at
    stmt = stmt.on_conflict_do_update(index_elements=["channel", "address"], set_=updates)
    return session.scalars(
        stmt.returning(Chat), execution_options={"populate_existing": True}
    ).one()


def record_miss(session: Session, chat: Chat, now: datetime, *, restart: bool) -> None:
    """Count an order number not found for `chat`: atomically, so two workers answering
    the same sender both count; `restart` opens a new window at `now`."""
    values = (
        {"lookup_misses": 1, "lookup_misses_since": now}
        if restart
        else {"lookup_misses": Chat.lookup_misses + 1}
    )
    session.execute(
        update(Chat).where(Chat.id == chat.id).values(**values),
        execution_options={"synchronize_session": False},
    )
