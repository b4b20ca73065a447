"""Reads the conversation and the pages need, each a bounded number of statements."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, case, cast, exists, func, inspect, select, update
from sqlalchemy.orm import Session, aliased, joinedload, make_transient_to_detached, selectinload

from store.db import insert_of
from store.models import (
    Business,
    Chat,
    Order,
    OrderWatch,
    OutboxMessage,
    OutboxStatus,
    RateEvent,
    Staff,
    utcnow,
)
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
    """The order `number` names with just what the chat's view shows: its business (and
    its payment-link account), items, shipments and adjustments, in one statement."""
    return session.scalars(_order_for_view(), {"key": number_key(number)}).unique().one_or_none()


@functools.cache
def _order_for_view() -> Any:
    return (
        select(Order)
        .where(Order.number_key == bindparam("key", type_=String()))
        .options(
            joinedload(Order.business).joinedload(Business.razorpay_account),
            joinedload(Order.items), joinedload(Order.shipments), joinedload(Order.adjustments),
            joinedload(Order.booking),
        )
    )


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


@dataclass(frozen=True)
class ChatFacts:
    """What the statement that finds a chat also tells, so a message from a customer
    costs no further reads for them."""

    held: bool  # messages wait for this address to write (a platform's 24-hour window)
    staff: bool  # the phone given is an active staff member's
    watching: bool  # the chat follows at least one order
    counted: int = 0  # events counted under the key asked for (`counted` below), in its window


def chat_for(
    session: Session, channel: str, address: str, now: datetime | None = None, **changes: Any
) -> Chat:
    """The chat of (channel, address) with `changes` applied, created on first contact:
    one upsert statement, safe when two workers see the same new sender at once. A
    `locale` in `changes` only fills an unknown language, never replaces a chosen one;
    a `linked_phone` (the channel's own) never replaces another phone the chat proved
    by a one-time code while that link lasts (30 days, or until "forget me")."""
    return chat_with_facts(session, channel, address, now or utcnow(), **changes)[0]


def chat_with_facts(
    session: Session,
    channel: str,
    address: str,
    now: datetime,
    staff_phone: str | None = None,
    counted: tuple[str, datetime] | None = None,
    **changes: Any,
) -> tuple[Chat, ChatFacts]:
    """`chat_for`, and in the same statement: whether anything is held for the chat,
    whether `staff_phone` is an active staff member's, whether it follows an order, and
    with `counted` (a key prefix, a moment) how many rate events keyed by the prefix and
    the chat's id came after that moment (store/throttle.py's count, for a new chat 0)."""
    stmt = _upsert(session.get_bind().dialect.name, tuple(sorted(changes)))
    prefix, since = counted or (None, now)
    params = {"channel": channel, "address": address, "now": now, "staff_phone": staff_phone,
              "count_prefix": prefix, "count_since": since,
              **{f"new_{name}": value for name, value in changes.items()}}
    session.flush()  # what this transaction changed in a chat is written before it is read
    row = session.connection().execute(stmt, params).one()._mapping
    # The row as the session's Chat (the one it holds already, refreshed, if any):
    # a table statement and a merge cost far less than the ORM's own upsert.
    found = Chat(**{name: row[name] for name in _CHAT_COLUMNS})
    make_transient_to_detached(found)
    if session.identity_key(Chat, row["id"]) in session.identity_map:
        chat = session.merge(found, load=False)
    else:  # the usual case (a turn's first read): attached as it is, nothing copied
        session.add(found)
        chat = found
    return chat, ChatFacts(held=bool(row["held"]), staff=bool(row["staff"]),
                           watching=bool(row["watching"]), counted=row["counted"] or 0)


_CHAT_COLUMNS = tuple(c.key for c in Chat.__table__.columns)
_CHAT_RELATIONSHIPS = tuple(r.key for r in Chat.__mapper__.relationships)


def save_chat(session: Session, chat: Chat) -> None:
    """Write what the turn changed in `chat` (its state, choices, current order …) with
    one table statement of the changed columns, and let the chat leave the session: the
    turn is over, and the unit of work's flush of that one row cost more CPU than the
    statement itself. A chat whose relationships were set (not their ids) is left to the
    unit of work, as is one another session holds."""
    state = inspect(chat)
    if state.session is not session or not state.persistent or not state.modified:
        return
    attrs = state.attrs
    if any(attrs[key].history.has_changes() for key in _CHAT_RELATIONSHIPS):
        return
    values = {}
    for key in _CHAT_COLUMNS:
        added = attrs[key].history.added
        if added:
            values[key] = added[0]
    if values:
        values.setdefault("updated_at", utcnow())
        session.connection().execute(
            _chat_update(tuple(sorted(values))),
            {"chat_id": chat.id, **{f"new_{key}": value for key, value in values.items()}},
        )
    session.expunge(chat)


@functools.cache
def _chat_update(names: tuple[str, ...]) -> Any:
    table = Chat.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("chat_id"))
        .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names})
    )


@functools.cache
def _upsert(dialect: str, names: tuple[str, ...]) -> Any:
    """The upsert of a chat that changes `names`, built once (a message is answered
    with little more than this and its order's read): every value is a parameter."""
    table = Chat.__table__
    now = bindparam("now", type_=table.c.created_at.type)
    channel, address = bindparam("channel", type_=String()), bindparam("address", type_=String())
    insert = insert_of(dialect)
    stmt = insert(table).values(
        channel=channel, address=address, state="idle", state_data={}, lookup_misses=0,
        created_at=now, updated_at=now,
        **{name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names},
    )
    updates: dict[str, Any] = {name: stmt.excluded[name] for name in names if name != "locale"}
    if "locale" in names:
        updates["locale"] = func.coalesce(table.c.locale, stmt.excluded.locale)
    if "linked_phone" in names:
        proven_by_code = (
            table.c.linked_phone.is_not(None)
            & (table.c.linked_phone != stmt.excluded.linked_phone)
            & (table.c.linked_until > now)
        )
        for name in ("linked_phone", "linked_until"):
            updates[name] = case((proven_by_code, table.c[name]), else_=stmt.excluded[name])
    updates["updated_at"] = stmt.excluded.updated_at
    stmt = stmt.on_conflict_do_update(index_elements=["channel", "address"], set_=updates)
    held = exists().where(
        OutboxMessage.channel == channel,
        OutboxMessage.address == address,
        OutboxMessage.status == OutboxStatus.HELD.value,
    )
    staff = exists().where(Staff.phone == bindparam("staff_phone", type_=String()),
                           Staff.active.is_(True))
    # By address, not by the row being written, and one table to each level: SQLite's
    # RETURNING names columns without their tables.
    watcher = aliased(Chat)
    chat_id = select(watcher.id).where(watcher.channel == channel, watcher.address == address)
    watching = exists().where(OrderWatch.chat_id.in_(chat_id))
    key = bindparam("count_prefix", type_=String()) + cast(chat_id.scalar_subquery(), String())
    counted = select(func.count()).where(
        RateEvent.key == key, RateEvent.at > bindparam("count_since", type_=RateEvent.at.type)
    ).scalar_subquery()
    return stmt.returning(
        *table.columns, held.label("held"), staff.label("staff"), watching.label("watching"),
        counted.label("counted"),
    )


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
