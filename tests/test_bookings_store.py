"""A booking's lifecycle and its rules in the store: statuses and the transitions
allowed, a move as a timeline line (status kept, SEQUENCE grown), money shared with
orders (no payment once cancelled, nothing due then, a refund never makes money due),
and a customer's request decided by the staff, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from store import bookings
from store.db import unit_of_work
from store.errors import AlreadyDecided, InvalidTransition, OrderCancelled, OrderClosed
from store.models import Booking, BookingRequest, Chat, OutboxMessage, Staff, StatusEvent
from store.orders import Actor, record_payment, record_refund
from store.orders import set_status as set_order_status
from store.queries import order_by_number

NEHA = "+919800000002"


def _neha(session) -> Actor:
    staff = session.scalars(select(Staff).where(Staff.phone == NEHA)).one()
    return Actor(staff.name, staff.id)


def _events(session, order_id: int) -> list[StatusEvent]:
    return list(session.scalars(
        select(StatusEvent).where(StatusEvent.order_id == order_id).order_by(StatusEvent.id)))


def test_the_demo_salon_has_its_two_bookings(demo) -> None:
    with unit_of_work(demo.sessions) as s:
        b501 = order_by_number(s, "gs b501")
        assert (b501.kind, b501.status, b501.total_minor, b501.paid_minor, b501.due_minor) == (
            "booking", "confirmed", 80000, 20000, 60000)
        local = b501.booking.starts_at.astimezone(bookings_zone(b501))
        today = demo.clock().astimezone(bookings_zone(b501)).date()
        assert (local.date(), local.hour, b501.booking.duration_minutes) == (
            today + timedelta(days=1), 11, 60)
        assert b501.booking.service == "Haircut and styling"
        b502 = order_by_number(s, "GS-B502")
        assert (b502.status, b502.customer_phone) == ("requested", "+919822222222")
        assert b502.booking.starts_at.astimezone(bookings_zone(b502)).hour == 17


def bookings_zone(order):
    from zoneinfo import ZoneInfo

    return ZoneInfo(order.business.timezone)


def test_transitions_follow_the_rules(demo) -> None:
    now = demo.clock()
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B502")
        actor = _neha(s)
        with pytest.raises(InvalidTransition):
            bookings.set_status(s, order, "checked_in", actor, now=now)
        bookings.set_status(s, order, "confirmed", actor, now=now)
        assert order.booking.settled_at == now
        bookings.set_status(s, order, "checked_in", actor, now=now)
        with pytest.raises(InvalidTransition):
            bookings.set_status(s, order, "cancelled", actor, now=now)
        bookings.set_status(s, order, "completed", actor, now=now)
        assert bookings.allowed_next("completed") == []
        with pytest.raises(InvalidTransition):  # an order's statuses are not a booking's
            set_order_status(s, order, "preparing", actor, now=now)
        statuses = [e.to_status for e in _events(s, order.id) if e.kind == "status"]
        assert statuses == ["requested", "confirmed", "checked_in", "completed"]


def test_a_move_keeps_the_status_and_grows_the_sequence(demo) -> None:
    now = demo.clock()
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        s.add(Chat(channel="console", address="ravi", linked_phone=order.customer_phone))
        before = order.booking.starts_at
        event = bookings.reschedule(s, order, before + timedelta(hours=6), _neha(s), now=now)
        assert (order.status, order.booking.sequence) == ("confirmed", 1)
        assert event.kind == "reschedule" and event.detail["from"] == before.isoformat()
        kinds = {m.kind for m in s.scalars(select(OutboxMessage))}
        assert "booking_reschedule" in kinds
        with pytest.raises(InvalidTransition):  # the same time again is no move
            bookings.reschedule(s, order, before + timedelta(hours=6), _neha(s), now=now)


def test_money_is_the_orders_and_cancelled_means_nothing_due(demo) -> None:
    now = demo.clock()
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        actor = _neha(s)
        record_payment(s, order, 10000, "cash", actor, now=now)
        assert order.due_minor == 50000
        bookings.cancel(s, order, actor, reason="unwell", now=now)
        assert (order.due_minor, order.to_refund_minor, order.booking.sequence) == (0, 30000, 1)
        with pytest.raises(OrderCancelled):
            record_payment(s, order, 100, "cash", actor, now=now)
        record_refund(s, order, 30000, "upi", actor, now=now)
        assert (order.due_minor, order.to_refund_minor) == (0, 0)
        with pytest.raises(OrderClosed):
            bookings.reschedule(s, order, now + timedelta(days=3), actor, now=now)


def test_a_request_waits_for_the_staff_and_is_decided_once(demo) -> None:
    now = demo.clock()
    wanted = datetime(2026, 11, 26, 11, 30, tzinfo=UTC)
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        request = bookings.request_change(s, order, "reschedule", chat_id=None,
                                          wanted_starts_at=wanted, wanted_text="tomorrow 5pm",
                                          now=now)
        assert order.booking.starts_at != wanted  # nothing moves yet
        staff_kinds = [m.kind for m in s.scalars(select(OutboxMessage))]
        assert "booking_request" in staff_kinds
        request_id = request.id
    with unit_of_work(demo.sessions) as s:
        request = bookings.lock_request(s, request_id, order_by_number(s, "GS-B501").business_id)
        bookings.decide_request(s, request, True, _neha(s), now=now)
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        assert order.booking.starts_at == wanted and order.booking.sequence == 1
        request = s.get(BookingRequest, request_id)
        assert request.status == "accepted"
        with pytest.raises(AlreadyDecided):
            bookings.decide_request(s, request, False, _neha(s), now=now)


def test_another_businesss_staff_cannot_reach_the_request(demo) -> None:
    from store.errors import NotFound

    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        request = bookings.request_change(s, order, "cancel", chat_id=None, now=demo.clock())
        asha_business = order_by_number(s, "AK-1001").business_id
        with pytest.raises(NotFound):
            bookings.lock_request(s, request.id, asha_business)


def test_cancelling_withdraws_a_waiting_request_and_allows_own_cancellation(demo) -> None:
    now = demo.clock()
    with unit_of_work(demo.sessions) as s:
        order = order_by_number(s, "GS-B501")
        order.business.cancel_before_hours = 12
        assert bookings.can_cancel_now(order.business, order.booking, now)
        assert not bookings.can_cancel_now(order.business, order.booking,
                                           order.booking.starts_at - timedelta(hours=11))
        request = bookings.request_change(s, order, "cancel", chat_id=None, now=now)
        bookings.cancel(s, order, _neha(s), now=now)
        assert request.status == "withdrawn"
        assert s.scalar(select(Booking.sequence).where(Booking.order_id == order.id)) == 1
