"""The services that change bookings. A booking is an `orders` row of kind "booking"
(its number, customer, price as one item, payments, refunds, proofs, payment links and
timeline are the order's, kept by store/orders.py) with a `Booking` row for its time
and place. Here: the booking's own statuses and their rules, moving it, and the
customer's requests to move or cancel it until the staff decide. Each function takes
the caller's session, writes the timeline and queues the notices in the same
transaction, and raises a DomainError when a rule says no."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from store import outbox, staff_news, timeline
from store.errors import (
    AlreadyDecided,
    InvalidTransition,
    InvalidValue,
    NotFound,
    OrderClosed,
    TotalBelowPaid,
)
from store.models import (
    Booking,
    BookingRequest,
    BookingStatus,
    Business,
    Order,
    OrderKind,
    StatusEvent,
    utcnow,
)
from store.numbers import number_key
from store.orders import (
    SYSTEM,
    Actor,
    NewItem,
    check_transition,
    create_order,
    lock_order,
    record_status,
    update_order,
)

B = BookingStatus
# Where a booking may go from each status. A move is not a status: it is a
# "reschedule" line of the timeline and the status stays what it was.
NEXT: dict[BookingStatus, tuple[BookingStatus, ...]] = {
    B.REQUESTED: (B.CONFIRMED, B.CANCELLED),
    B.CONFIRMED: (B.CHECKED_IN, B.COMPLETED, B.CANCELLED, B.NO_SHOW),
    B.CHECKED_IN: (B.COMPLETED,),
    B.COMPLETED: (),
    B.CANCELLED: (),
    B.NO_SHOW: (),
}
# The progress line's steps, in order.
FLOW = (B.REQUESTED, B.CONFIRMED, B.CHECKED_IN, B.COMPLETED)
OPEN = frozenset({B.REQUESTED, B.CONFIRMED})  # may still be moved, cancelled, paid for
MAX_DURATION_MINUTES = 24 * 60
REQUEST_KINDS = ("reschedule", "cancel")


def is_booking(order: Order) -> bool:
    return order.kind == OrderKind.BOOKING


def allowed_next(status: str) -> list[BookingStatus]:
    return list(NEXT.get(BookingStatus(status), ()))


def booking_of(order: Order) -> Booking:
    """The booking row of an order of kind "booking"."""
    if not is_booking(order) or order.booking is None:
        raise NotFound(number=order.number)
    return order.booking


def _check_slot(starts_at: datetime, duration_minutes: int) -> None:
    if starts_at.tzinfo is None:
        raise InvalidValue(field="starts_at", value=str(starts_at), reason="naive")
    if (
        not isinstance(duration_minutes, int)
        or isinstance(duration_minutes, bool)
        or not 0 < duration_minutes <= MAX_DURATION_MINUTES
    ):
        raise InvalidValue(field="duration_minutes", value=str(duration_minutes),
                           reason="range")


@dataclass(frozen=True)
class NewBooking:
    """What a booking is made of, as the API, an import or the demo gives it."""

    service: str
    starts_at: datetime
    duration_minutes: int
    price_minor: int
    staff_name: str | None = None
    place: str | None = None


def create_booking(
    session: Session,
    business: Business,
    number: str,
    spec: NewBooking,
    *,
    status: str = B.REQUESTED.value,
    customer_name: str | None = None,
    customer_phone: str | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
    notify_staff: bool = True,
    **fields: Any,
) -> Order:
    """A new booking in `status` (requested, or confirmed when the shop books it
    itself): the order row with the service as its one item, and the booking row. A
    requested booking is news for the staff (`notify_staff=False`: an import)."""
    now = now or utcnow()
    _check_slot(spec.starts_at, spec.duration_minutes)
    status = BookingStatus(status).value
    order = create_order(
        session, business, number, [NewItem(spec.service, 1, spec.price_minor)],
        customer_name=customer_name, customer_phone=customer_phone, actor=actor,
        created_at=now, kind=OrderKind.BOOKING.value, **fields,
    )
    # create_order wrote its first line with an order's first status; a booking's is its own.
    first = session.scalars(select(StatusEvent).where(StatusEvent.order_id == order.id)).one()
    first.to_status = status
    order.status = status
    order.booking = Booking(
        business_id=business.id, service=spec.service, starts_at=spec.starts_at,
        duration_minutes=spec.duration_minutes, staff_name=spec.staff_name,
        staff_id=_staff_id(business, spec.staff_name), place=spec.place, sequence=0,
        settled_at=now if status == B.CONFIRMED else None, created_at=now, updated_at=now,
    )
    session.flush()
    if status == B.REQUESTED and notify_staff:
        _tell_staff(session, order, STAFF_NEW, {"order_id": order.id}, f"bnew:{order.id}", now)
    return order


def _staff_id(business: Business, name: str | None) -> int | None:
    if not name:
        return None
    wanted = name.strip().casefold()
    return next((s.id for s in business.staff if s.name.strip().casefold() == wanted), None)


def update_booking(
    session: Session,
    order: Order,
    spec: NewBooking,
    actor: Actor = SYSTEM,
    *,
    now: datetime | None = None,
    **fields: Any,
) -> bool:
    """Bring a booking's service, price, length, staff, place and customer details up
    to date (a new start is a move: `reschedule`). Returns whether anything changed;
    the same data again is a no-op."""
    now = now or utcnow()
    _check_slot(spec.starts_at, spec.duration_minutes)
    booking = booking_of(order)
    changed = update_order(
        session, order, [NewItem(spec.service, 1, spec.price_minor)], actor, now=now, **fields
    )
    wanted = {"service": spec.service, "duration_minutes": spec.duration_minutes,
              "staff_name": spec.staff_name, "place": spec.place}
    differs = sorted(k for k, v in wanted.items() if getattr(booking, k) != v)
    if differs:
        if BookingStatus(order.status) not in OPEN:
            raise OrderClosed(order=order.number, status=order.status)
        for key in differs:
            setattr(booking, key, wanted[key])
        booking.staff_id = _staff_id(order.business, spec.staff_name)
        booking.updated_at = now
        if not changed:
            timeline.add_event(session, order, "update", now, detail={"changed": differs},
                               actor=actor.name, staff_id=actor.staff_id)
    moved = booking.starts_at != spec.starts_at
    if moved:
        reschedule(session, order, spec.starts_at, actor, now=now)
    return bool(changed or differs or moved)


def save_booking(
    session: Session,
    business: Business,
    number: str,
    spec: NewBooking,
    actor: Actor = SYSTEM,
    *,
    status: str | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> tuple[Order, bool]:
    """Create booking `number`, or update it if it exists (idempotent on the number,
    as `save_order`); a `status` given for an existing booking is moved to when it
    differs. Returns the booking's order and whether it was created."""
    now = now or utcnow()
    key = number_key(number)
    existing = _by_key(session, key)
    if existing is None:
        try:
            with session.begin_nested():
                order = create_booking(
                    session, business, number, spec, status=status or B.REQUESTED.value,
                    actor=actor, now=now, **fields,
                )
            return order, True
        except IntegrityError:
            existing = _by_key(session, key)
            if existing is None:
                raise
    if existing.business_id != business.id or not is_booking(existing):
        raise NotFound(number=number)
    update_booking(session, existing, spec, actor, now=now, **fields)
    if status and status != existing.status:
        set_status(session, existing, status, actor, now=now)
    return existing, False


def _by_key(session: Session, key: str) -> Order | None:
    return session.scalars(select(Order).where(Order.number_key == key)).one_or_none()


def set_status(
    session: Session,
    order: Order,
    new_status: str,
    actor: Actor = SYSTEM,
    *,
    reason: str | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> StatusEvent:
    """Move the booking to `new_status` if its rules allow; cancelling or closing it
    withdraws any request waiting on it and bumps the calendar's SEQUENCE."""
    now = now or utcnow()
    order = lock_order(session, order.id)
    booking = booking_of(order)
    target = BookingStatus(new_status)
    check_transition(order, target, allowed_next(order.status))
    order.updated_at = now
    booking.updated_at = now
    if target is B.CONFIRMED:
        booking.settled_at = now
    if target is B.CANCELLED:
        booking.sequence += 1
    if target not in OPEN:
        _withdraw_requests(session, order, now)
    return record_status(session, order, target.value, actor, reason=reason, now=now,
                         notify=notify)


def cancel(
    session: Session, order: Order, actor: Actor = SYSTEM, *, reason: str | None = None,
    now: datetime | None = None,
) -> StatusEvent:
    return set_status(session, order, B.CANCELLED.value, actor, reason=reason, now=now)


def reschedule(
    session: Session,
    order: Order,
    starts_at: datetime,
    actor: Actor = SYSTEM,
    *,
    duration_minutes: int | None = None,
    now: datetime | None = None,
    notify: bool = True,
    request_id: int | None = None,
) -> StatusEvent:
    """Move an open booking to `starts_at` (and a new length, if given): one timeline
    line of kind "reschedule" with the old and new start, the calendar's SEQUENCE one
    higher, and the reminders counted from now (none comes late for the new time)."""
    now = now or utcnow()
    order = lock_order(session, order.id)
    booking = booking_of(order)
    duration = booking.duration_minutes if duration_minutes is None else duration_minutes
    _check_slot(starts_at, duration)
    if BookingStatus(order.status) not in OPEN:
        raise OrderClosed(order=order.number, status=order.status)
    if starts_at == booking.starts_at and duration == booking.duration_minutes:
        raise InvalidTransition(current=order.status, target=order.status, same=True)
    previous = booking.starts_at
    booking.starts_at = starts_at
    booking.duration_minutes = duration
    booking.sequence += 1
    booking.updated_at = now
    if order.status == B.CONFIRMED:
        booking.settled_at = now
    order.updated_at = now
    detail: dict[str, Any] = {"from": previous.isoformat(), "to": starts_at.isoformat(),
                              "duration_minutes": duration}
    if request_id is not None:
        detail["request_id"] = request_id
    event = timeline.add_event(
        session, order, "reschedule", now, from_status=order.status, to_status=order.status,
        detail=detail, actor=actor.name, staff_id=actor.staff_id,
    )
    _withdraw_requests(session, order, now, but=request_id)
    if notify:
        outbox.notify_order(session, order, event, now=now)
    return event


def set_price(
    session: Session, order: Order, price_minor: int, actor: Actor = SYSTEM,
    *, now: datetime | None = None,
) -> bool:
    """A new price for the booking's service; never below what was paid."""
    booking = booking_of(order)
    if price_minor < order.paid_minor:
        raise TotalBelowPaid(total=price_minor, paid=order.paid_minor, currency=order.currency)
    return update_order(session, order, [NewItem(booking.service, 1, price_minor)], actor,
                        now=now or utcnow())


# ---------------------------------------------------------------------------------------
# Who hears of what. Outbox kinds written here (the chat words them, handlers/bookings):
#   booking_new      to the staff: a booking was asked for (status requested); payload
#                    {order_id}; they confirm or decline it.
#   booking_request  to the staff: a customer asks to move or cancel; {order_id, request_id}.
#   booking_answer   to the customer: their request declined, or another time proposed;
#                    {order_id, request_id}. (An accepted request is the booking's own
#                    notice: booking_reschedule, or booking_status for a cancellation.)
# Status changes, moves and money are `outbox.notify_order`'s: booking_status,
# booking_reschedule, booking_payment, booking_refund, booking_proof…

STAFF_NEW = "booking_new"
STAFF_REQUEST = "booking_request"
CUSTOMER_ANSWER = "booking_answer"


def _tell_staff(
    session: Session, order: Order, kind: str, payload: dict[str, Any], key: str,
    now: datetime,
) -> int:
    channels = staff_news.configured_staff_channels(session)
    return sum(
        outbox.enqueue_for(session, chat, kind=kind, payload=payload,
                           key=f"{key}:chat:{chat.id}", order_id=order.id, now=now)
        for _, chat in staff_news.staff_chats(session, order.business_id, channels, now)
    )


def _answer_customer(
    session: Session, order: Order, request: BookingRequest, now: datetime
) -> int:
    """The customer's chats (the one that asked first) hear the staff's answer."""
    extra = (request.chat_id,) if request.chat_id else ()
    return sum(
        outbox.enqueue_for(
            session, chat, kind=CUSTOMER_ANSWER,
            payload={"order_id": order.id, "request_id": request.id},
            key=f"banswer:{request.id}:{request.status}:{request.proposed_starts_at}"
                f":chat:{chat.id}",
            order_id=order.id, now=now,
        )
        for chat in outbox.order_recipients(session, order, now, extra)
    )


# ---------------------------------------------------------------------------------------
# Requests: the customer asks, the staff decide.

def can_cancel_now(business: Business, booking: Booking, now: datetime) -> bool:
    """Whether the customer may cancel at once: the business allows it up to N hours
    before the start, and there are more than N hours left."""
    hours = business.cancel_before_hours
    return hours is not None and booking.starts_at - now >= timedelta(hours=hours)


def open_request(session: Session, order_id: int) -> BookingRequest | None:
    """The booking's request still waiting for someone, if any."""
    return session.scalars(
        select(BookingRequest)
        .where(BookingRequest.order_id == order_id,
               BookingRequest.status.in_(("pending", "proposed")))
        .order_by(BookingRequest.id.desc())
    ).first()


def request_change(
    session: Session,
    order: Order,
    kind: str,
    *,
    chat_id: int | None,
    wanted_starts_at: datetime | None = None,
    wanted_text: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> BookingRequest:
    """The customer's wish to move (`wanted_starts_at`) or cancel the open booking. It
    replaces a request still waiting; nothing moves until the staff decide."""
    now = now or utcnow()
    if kind not in REQUEST_KINDS:
        raise InvalidValue(field="kind", value=kind, reason="unknown")
    order = lock_order(session, order.id)
    booking_of(order)
    if BookingStatus(order.status) not in OPEN:
        raise OrderClosed(order=order.number, status=order.status)
    if kind == "reschedule" and (wanted_starts_at is None or wanted_starts_at.tzinfo is None):
        raise InvalidValue(field="starts_at", value=str(wanted_starts_at), reason="missing")
    _withdraw_requests(session, order, now)
    request = BookingRequest(
        order_id=order.id, kind=kind, wanted_starts_at=wanted_starts_at,
        wanted_text=(wanted_text or "")[:200] or None, reason=(reason or "")[:500] or None,
        status="pending", chat_id=chat_id, created_at=now,
    )
    session.add(request)
    session.flush()
    timeline.add_event(
        session, order, "request", now,
        detail={"request_id": request.id, "kind": kind,
                "wanted": wanted_starts_at.isoformat() if wanted_starts_at else None},
        actor="customer",
    )
    _tell_staff(session, order, STAFF_REQUEST, {"order_id": order.id, "request_id": request.id},
                f"breq:{request.id}", now)
    return request


def lock_request(session: Session, request_id: int, business_id: int) -> BookingRequest:
    """The request, row-locked, if it belongs to one of `business_id`'s bookings."""
    request = session.scalars(
        select(BookingRequest)
        .join(Order, Order.id == BookingRequest.order_id)
        .where(BookingRequest.id == request_id, Order.business_id == business_id)
        .with_for_update(of=BookingRequest)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if request is None:
        raise NotFound(request_id=request_id)
    return request


def decide_request(
    session: Session,
    request: BookingRequest,
    accept: bool,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> StatusEvent | None:
    """The staff's answer (or the customer's, to a proposed time). Accepting a
    reschedule moves the booking to the wished (or proposed) start; accepting a
    cancellation cancels it. Returns the timeline line of the change, None on a
    decline. A request decided already raises AlreadyDecided."""
    now = now or utcnow()
    if request.status not in ("pending", "proposed"):
        raise AlreadyDecided(status=request.status)
    order = lock_order(session, request.order_id)
    request.decided_at = now
    request.decided_by_staff_id = actor.staff_id or request.decided_by_staff_id
    if not accept:
        request.status = "declined"
        timeline.add_event(session, order, "request", now,
                           detail={"request_id": request.id, "kind": request.kind,
                                   "outcome": "declined"},
                           actor=actor.name, staff_id=actor.staff_id)
        if actor.staff_id is not None:  # the staff declined: the customer hears it
            _answer_customer(session, order, request, now)
        return None
    request.status = "accepted"
    if request.kind == "cancel":
        return set_status(session, order, B.CANCELLED.value, actor,
                          reason=request.reason, now=now)
    target = request.proposed_starts_at or request.wanted_starts_at
    assert target is not None
    return reschedule(session, order, target, actor, now=now, request_id=request.id)


def propose_time(
    session: Session,
    request: BookingRequest,
    starts_at: datetime,
    actor: Actor,
    *,
    now: datetime | None = None,
) -> BookingRequest:
    """The staff offer another start for a reschedule request; the customer accepts
    (`decide_request(accept=True)`) or declines it."""
    now = now or utcnow()
    if request.status not in ("pending", "proposed"):
        raise AlreadyDecided(status=request.status)
    if starts_at.tzinfo is None:
        raise InvalidValue(field="starts_at", value=str(starts_at), reason="naive")
    request.kind = "reschedule"
    request.proposed_starts_at = starts_at
    request.status = "proposed"
    request.decided_by_staff_id = actor.staff_id
    order = lock_order(session, request.order_id)
    timeline.add_event(session, order, "request", now,
                       detail={"request_id": request.id, "kind": "reschedule",
                               "outcome": "proposed", "proposed": starts_at.isoformat()},
                       actor=actor.name, staff_id=actor.staff_id)
    _answer_customer(session, order, request, now)
    return request


def _withdraw_requests(
    session: Session, order: Order, now: datetime, but: int | None = None
) -> None:
    """Requests waiting on a booking that changed or closed are no longer to decide."""
    for request in session.scalars(
        select(BookingRequest).where(
            BookingRequest.order_id == order.id,
            BookingRequest.status.in_(("pending", "proposed")),
        )
    ):
        if request.id != but:
            request.status = "withdrawn"
            request.decided_at = now


# ---------------------------------------------------------------------------------------
# Reading.

def bookings_between(
    session: Session, business_id: int, start: datetime, end: datetime,
    *, include_closed: bool = True,
) -> list[Order]:
    """A business's bookings starting in [start, end), by start time, with their rows."""
    query = (
        select(Order)
        .join(Booking, Booking.order_id == Order.id)
        .where(Booking.business_id == business_id, Booking.starts_at >= start,
               Booking.starts_at < end)
        .options(selectinload(Order.booking))
        .order_by(Booking.starts_at, Order.id)
    )
    if not include_closed:
        query = query.where(Order.status.in_([s.value for s in OPEN] + [B.CHECKED_IN.value]))
    return list(session.scalars(query))


def upcoming_for_phone(session: Session, phone: str, now: datetime) -> list[Order]:
    """A proven phone's bookings that have not ended, soonest first."""
    return list(
        session.scalars(
            select(Order)
            .join(Booking, Booking.order_id == Order.id)
            .where(Order.customer_phone == phone,
                   Booking.starts_at >= now - timedelta(minutes=MAX_DURATION_MINUTES),
                   Order.status.in_([B.REQUESTED.value, B.CONFIRMED.value,
                                     B.CHECKED_IN.value]))
            .options(selectinload(Order.booking))
            .order_by(Booking.starts_at, Order.id)
        )
    )
