"""Reaching a business's staff: the chats each member is reached at, and the news of
what a colleague did with money or a cancellation (a payment taken in person, a
refund, an order cancelled). Proof prompts and decisions reach them through the same
chats (store/proofs.py); routine status steps tell nobody, so a busy kitchen's chats
stay quiet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import outbox
from store.models import Chat, Order, Staff, StatusEvent
from store.queries import chat_for

KIND = "staff_update"


def active_staff(session: Session, business_id: int) -> list[Staff]:
    return list(
        session.scalars(
            select(Staff)
            .where(Staff.business_id == business_id, Staff.active.is_(True))
            .order_by(Staff.id)
        )
    )


def configured_staff_channels(session: Session) -> tuple[str, ...]:
    """The channels staff are reached on by phone, as the session's settings say
    (bot/bootstrap.py puts them there: the store knows no channel); none without."""
    return tuple(getattr(session.info.get("settings"), "staff_channels", ()))


def staff_addresses(
    session: Session, staff: Staff, staff_channels: tuple[str, ...], now: datetime
) -> list[Chat]:
    """Every chat a staff member is reached at: chats linked to them (a chat
    account, a platform's number), plus their phone on each configured staff channel."""
    formats = outbox.phone_addresses(session)  # the channels whose address is the phone
    by_phone = (Chat.linked_phone == staff.phone) & Chat.channel.in_(tuple(formats))
    chats = list(
        session.scalars(
            select(Chat).where((Chat.staff_id == staff.id) | by_phone).order_by(Chat.id)
        )
    )
    for channel in staff_channels:
        address = formats.get(channel, "{phone}").format(phone=staff.phone)
        if not any((c.channel, c.address) == (channel, address) for c in chats):
            chat = chat_for(session, channel, address, now)
            chats.append(chat)
    for chat in chats:
        if chat.staff_id is None and chat.channel in staff_channels:
            chat.staff_id = staff.id  # so the chat's messages name and reach them
    return chats


def staff_chats(
    session: Session,
    business_id: int,
    staff_channels: tuple[str, ...],
    now: datetime,
    *,
    but: int | None = None,
) -> Iterator[tuple[Staff, Chat]]:
    """Each active staff member of the business (but the one with id `but`) with each
    chat they are reached at, every chat once."""
    seen: set[int] = set()
    for staff in active_staff(session, business_id):
        if staff.id == but:
            continue
        for chat in staff_addresses(session, staff, staff_channels, now):
            if chat.id not in seen:
                seen.add(chat.id)
                yield staff, chat


def tell_colleagues(
    session: Session, order: Order, event: StatusEvent, staff_id: int | None, now: datetime
) -> int:
    """Queue the news of `event` for every active staff member of the order's business
    but the one who made it (`staff_id`; None: no staff member did, nothing is sent).
    Returns how many messages were queued."""
    if staff_id is None:
        return 0
    channels = configured_staff_channels(session)
    return sum(
        outbox.enqueue_for(
            session, chat, kind=KIND, payload={"order_id": order.id, "event_id": event.id},
            key=f"staff:{event.id}:chat:{chat.id}", order_id=order.id, now=now,
        )
        for _, chat in staff_chats(session, order.business_id, channels, now, but=staff_id)
    )
