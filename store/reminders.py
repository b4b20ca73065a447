"""Reminders of confirmed bookings: queued in the outbox (kind `booking_reminder`) to
every chat that hears of the booking, some hours before it starts (the offsets are the
caller's: ORDERBOT_BOOKING_REMINDERS).

- Once: each reminder's idempotency key is (booking, start, offset, chat), so any
  number of workers looking at once, or the same worker looking again, queue it once;
  a booking moved to a new start is reminded afresh. (Moved away and back, a start's
  reminder dropped meanwhile is not queued again: the booking settled after its moment.)
- Never late: a reminder whose moment came before the booking was settled at its
  current start (made or moved inside the window: `Booking.settled_at`) is not sent,
  and of several whose moments have passed only the shortest goes (a worker that was
  down does not send "a day before" and "2 hours before" at once).
- Never stale: at delivery a reminder goes only while its booking is still confirmed
  at the start it was queued for and has not started (`is_current`); `drop_stale`
  fails those waiting (a reminder held for a channel's 24-hour window) once not."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store import outbox
from store.models import (
    Booking,
    BookingStatus,
    Order,
    OrderKind,
    OutboxMessage,
    OutboxStatus,
    utcnow,
)

KIND = "booking_reminder"
# session.info: the runtime's clock, so that a reminder rendered at delivery knows
# whether its booking has started (a test's clock, not the wall's, under test).
CLOCK = "clock"


def now_of(session: Session) -> datetime:
    clock: Callable[[], datetime] = session.info.get(CLOCK) or utcnow
    return clock()


def due_offset(booking: Booking, offsets: Sequence[timedelta], now: datetime) -> timedelta | None:
    """The reminder of `booking` due at `now`, if any: the shortest offset whose moment
    has come, unless the booking has started or was settled after that moment."""
    if now >= booking.starts_at:
        return None
    passed = [offset for offset in offsets if booking.starts_at - offset <= now]
    if not passed:
        return None
    offset = min(passed)
    settled = booking.settled_at
    if settled is not None and booking.starts_at - offset < settled:
        return None  # made or moved after this reminder's moment: it would come late
    return offset


def reminder_key(booking: Booking, offset: timedelta, chat_id: int) -> str:
    return (f"breminder:{booking.order_id}:{int(booking.starts_at.timestamp())}"
            f":{int(offset.total_seconds())}:chat:{chat_id}")


def queue_due(session: Session, offsets: Sequence[timedelta], now: datetime) -> int:
    """Queue the reminders due at `now` of every business's confirmed bookings; how
    many messages were written (those queued before are not written again)."""
    if not offsets:
        return 0
    queued = 0
    for order in _confirmed_starting(session, now, now + max(offsets)):
        booking = order.booking
        offset = due_offset(booking, offsets, now)
        if offset is None:
            continue
        payload = {"order_id": order.id, "starts_at": _stamp(booking.starts_at),
                   "offset_minutes": int(offset.total_seconds() // 60)}
        for chat in outbox.order_recipients(session, order, now):
            queued += outbox.enqueue_for(
                session, chat, kind=KIND, payload=payload, order_id=order.id, now=now,
                key=reminder_key(booking, offset, chat.id),
            )
    return queued


def _confirmed_starting(session: Session, start: datetime, end: datetime) -> list[Order]:
    return list(session.scalars(
        select(Order)
        .join(Booking, Booking.order_id == Order.id)
        .where(Order.kind == OrderKind.BOOKING.value,
               Order.status == BookingStatus.CONFIRMED.value,
               Booking.starts_at > start, Booking.starts_at <= end)
        .options(selectinload(Order.booking))
        .order_by(Booking.starts_at, Order.id)
    ))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def is_current(order: Order | None, payload: dict[str, Any], now: datetime) -> bool:
    """Whether a reminder queued with `payload` still speaks the truth: its booking is
    confirmed, at the start it was queued for, and has not started."""
    if order is None or order.kind != OrderKind.BOOKING.value or order.booking is None:
        return False
    booking = order.booking
    return (
        order.status == BookingStatus.CONFIRMED.value
        and _stamp(booking.starts_at) == payload.get("starts_at")
        and now < booking.starts_at
    )


def drop_stale(session: Session, now: datetime) -> int:
    """Fail the reminders still waiting (pending or held) that are no longer true; how
    many. Their delivery would drop them too: this ends those a closed window holds."""
    waiting = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == KIND,
               OutboxMessage.status.in_([OutboxStatus.PENDING.value, OutboxStatus.HELD.value]))
        .with_for_update(skip_locked=True)
    ).all()
    dropped = 0
    for message in waiting:
        order = session.get(Order, message.order_id) if message.order_id else None
        if not is_current(order, message.payload, now):
            message.status = OutboxStatus.FAILED.value
            message.last_error = "stale: the booking moved, closed or began"
            message.locked_until = None
            dropped += 1
    return dropped
