"""The outbox: messages that are not a direct reply, written in the transaction of
the change they report and delivered later by a channel's sender."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from store import wakeups
from store.db import insert_for
from store.models import Chat, Order, OrderWatch, OutboxMessage, OutboxStatus, StatusEvent, utcnow
from store.queries import chat_for


def enqueue_for(session: Session, chat: Chat, **message: Any) -> bool:
    """`enqueue` to one chat: its channel, address and id."""
    return enqueue(
        session, channel=chat.channel, address=chat.address, chat_id=chat.id, **message
    )


def enqueue(
    session: Session,
    *,
    channel: str,
    address: str,
    kind: str,
    payload: dict[str, Any],
    key: str,
    chat_id: int | None = None,
    order_id: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one message; a second call with the same `key` does nothing.
    Returns whether a row was written."""
    now = now or utcnow()
    values = dict(
        idempotency_key=key,
        channel=channel,
        address=address,
        chat_id=chat_id,
        kind=kind,
        payload=payload,
        order_id=order_id,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    insert = insert_for(session)
    stmt = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)  # rowcount is -1 on PostgreSQL once RETURNING is implied
    )
    written = session.execute(stmt).scalar_one_or_none() is not None
    if written:
        wakeups.signal(session, wakeups.outbox_topic(channel))
    return written


# The store knows no channel: the bot puts in each session's info how a phone becomes
# an address on each channel where it is one (`PHONE_ADDRESSES`: channel → a format
# with "{phone}"), and which of those reach people in this set-up (`PHONE_CHANNELS`:
# a configured platform, the terminal in `orderbot chat`). There a customer who never
# wrote still hears of their order.
PHONE_CHANNELS = "phone_channels"
PHONE_ADDRESSES = "phone_addresses"


def phone_addresses(session: Session) -> Mapping[str, str]:
    """Channel → how a phone becomes its address, for the channels where it is one."""
    return session.info.get(PHONE_ADDRESSES) or {}


def order_recipients(
    session: Session, order: Order, now: datetime, extra_chat_ids: tuple[int, ...] = ()
) -> list[Chat]:
    """Who hears of an order's changes: every chat linked to the order's phone, every
    chat that asked to be notified of it, any chat named (the one that sent a proof),
    and the order's phone itself on the channels that reach a phone."""
    conditions = [Chat.id.in_(select(OrderWatch.chat_id).where(OrderWatch.order_id == order.id))]
    if order.customer_phone:
        conditions.append(
            (Chat.linked_phone == order.customer_phone)
            & (Chat.linked_until.is_(None) | (Chat.linked_until > now))
        )
    if extra_chat_ids:
        conditions.append(Chat.id.in_(extra_chat_ids))
    chats = {c.id: c for c in session.scalars(select(Chat).where(or_(*conditions)))}
    for chat in _phone_chats(session, order, now):
        chats.setdefault(chat.id, chat)
    return [chats[k] for k in sorted(chats)]


def _phone_chats(session: Session, order: Order, now: datetime) -> list[Chat]:
    if not order.customer_phone:
        return []
    formats = phone_addresses(session)
    channels = [c for c in session.info.get(PHONE_CHANNELS, ()) if c in formats]
    return [
        chat_for(session, channel, formats[channel].format(phone=order.customer_phone), now)
        for channel in channels
    ]


def notify_order(
    session: Session,
    order: Order,
    event: StatusEvent,
    *,
    now: datetime | None = None,
    extra_chat_ids: tuple[int, ...] = (),
) -> int:
    """Queue the notice of `event` for each recipient; returns how many were queued."""
    now = now or utcnow()
    queued = 0
    for chat in order_recipients(session, order, now, extra_chat_ids):
        queued += enqueue(
            session,
            channel=chat.channel,
            address=chat.address,
            chat_id=chat.id,
            kind=f"{order.kind}_{event.kind}",  # order_status, booking_reschedule…
            payload={"order_id": order.id, "event_id": event.id},
            key=_event_key(event.id, chat.id),
            order_id=order.id,
            now=now,
        )
    return queued


def _event_key(event_id: int, chat_id: int | None = None) -> str:
    return f"event:{event_id}:chat:{'' if chat_id is None else chat_id}"


def queued_for_event(session: Session, event_id: int) -> int:
    """How many notices an event queued (to tell the one who made the change)."""
    pattern = _event_key(event_id) + "%"
    return session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.idempotency_key.like(pattern))
    ) or 0


def pending_for(session: Session, channel: str, address: str) -> list[OutboxMessage]:
    """Undelivered messages for one chat, oldest first (the terminal prints these on open)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == channel,
                OutboxMessage.address == address,
                OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.HELD.value]),
            )
            .order_by(OutboxMessage.id)
        )
    )


def mark_sent(message: OutboxMessage, now: datetime, provider_id: str | None = None) -> None:
    message.status = OutboxStatus.SENT.value
    message.sent_at = now
    message.attempts += 1
    message.provider_message_id = provider_id
    message.locked_until = None


def release_held(session: Session, channel: str, address: str, now: datetime) -> int:
    """The recipient wrote: what waited for their window goes out now."""
    released = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.address == address,
            OutboxMessage.status == OutboxStatus.HELD.value,
        )
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=now, locked_until=None)
    ).rowcount
    if released:
        wakeups.signal(session, wakeups.outbox_topic(channel))
    return released
