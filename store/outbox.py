"""The outbox: messages that are not a direct reply, written in the transaction of
the change they report and delivered later by a channel's sender."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import Chat, Order, OrderWatch, OutboxMessage, OutboxStatus, StatusEvent, utcnow


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
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["idempotency_key"]
    )
    return session.execute(stmt).rowcount == 1


def order_recipients(
    session: Session, order: Order, now: datetime, extra_chat_ids: tuple[int, ...] = ()
) -> list[Chat]:
    """Who hears of an order's changes: every chat linked to the order's phone, every
    chat that asked to be notified of it, and any chat named (the one that sent a proof)."""
    conditions = [Chat.id.in_(select(OrderWatch.chat_id).where(OrderWatch.order_id == order.id))]
    if order.customer_phone:
        conditions.append(
            (Chat.linked_phone == order.customer_phone)
            & (Chat.linked_until.is_(None) | (Chat.linked_until > now))
        )
    if extra_chat_ids:
        conditions.append(Chat.id.in_(extra_chat_ids))
    return list(session.scalars(select(Chat).where(or_(*conditions)).order_by(Chat.id)))


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
            kind=f"order_{event.kind}",
            payload={"order_id": order.id, "event_id": event.id},
            key=f"event:{event.id}:chat:{chat.id}",
            order_id=order.id,
            now=now,
        )
    return queued


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
